//! Arbitrary bytes through lex, parse and check must never panic or overflow the stack.
//!
//! One incremental database (`paw-db`, as the language server keeps one) lives for the whole run: the standard
//! library is parsed once, and each input only replaces the text of the one user file.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use paw_db::{Database, Source, Workspace};

struct FrontEnd {
    db: Database,
    file: Source,
    workspace: Workspace,
}

thread_local! {
    static FRONT_END: RefCell<FrontEnd> = RefCell::new({
        let mut db = Database::new();
        let file = db.add_source("fuzz.pw", "");
        let workspace = db.workspace([("main".to_string(), file)]);
        FrontEnd { db, file, workspace }
    });
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    FRONT_END.with_borrow_mut(|fe| {
        fe.db.set_text(fe.file, text.as_ref());
        let analysis = paw_db::check(&fe.db, fe.workspace);
        // Rendering is part of what users see; it must cope with every span the phases produce. Only what
        // `pawc check` and the editor show is rendered (the first 100 diagnostics of a file).
        let files = fe.db.files();
        let (shown, _) = paw_diagnostics::shown_per_file(&analysis.diagnostics);
        for d in shown {
            paw_diagnostics::render::render(d, &files, false);
        }
    });
});
