//! `pawc lsp`: the paw language server, over stdio.
//!
//! Analysis comes from `paw-db` (the same queries `pawc check` runs), so the editor shows exactly the diagnostics
//! the command line prints. This crate adds what only an editor needs: positions in UTF-16 ([`line_index`]), what
//! each written name refers to ([`resolve`]), the features ([`features`]), the build state of fuzzy functions as
//! `pawc run` sees it ([`build_state`]), builds run as child processes ([`builds`]), the standard library's sources
//! on disk for navigation ([`stdlib_files`]), and the protocol loop ([`server`]).

pub mod build_state;
pub mod builds;
pub mod features;
pub mod line_index;
pub mod resolve;
pub mod server;
pub mod stdlib_files;
mod workspace;

use lsp_server::Connection;

/// Runs the server on stdin/stdout until the client says `exit`. `Err` is a protocol or IO failure.
pub fn run_stdio(config: server::Config) -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    let capabilities = serde_json::to_value(server::capabilities()).map_err(|e| e.to_string())?;
    let initialize = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": { "name": "pawc lsp", "version": env!("CARGO_PKG_VERSION") },
    });
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    // A client whose capabilities do not parse gets none of the optional behaviour.
    let client: lsp_types::ClientCapabilities =
        serde_json::from_value(params.get("capabilities").cloned().unwrap_or_default()).unwrap_or_default();
    connection
        .initialize_finish(id, initialize)
        .map_err(|e| e.to_string())?;
    server::Server::new(config, &client).run(&connection)?;
    // The writer thread ends when the last sender is gone.
    drop(connection);
    io_threads.join().map_err(|e| e.to_string())
}
