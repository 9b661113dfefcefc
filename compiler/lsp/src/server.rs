//! The protocol loop: messages in, responses and published diagnostics out.
//!
//! One thread owns the database. Before each message is handled, every message already waiting is read, so a
//! `$/cancelRequest` for a queued request answers it with `RequestCancelled` instead of computing it; diagnostics
//! are published once the queue is empty, so a burst of edits is checked once. A panic inside a handler becomes an error response; the server keeps running.

use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::Url;
use serde_json::{json, Value};

use paw_artifact::ArtifactStore;
use paw_cache::PawHome;

use crate::build_state;
use crate::builds::{Builds, Job, Outgoing};
use crate::features::{self, CandidateKind};
use crate::line_index::LineIndex;
use crate::resolve::{Def, FileRefs, Index};
use crate::stdlib_files;
use crate::workspace::Files;

/// The executeCommand that builds the fuzzy fn at a position.
pub const BUILD_COMMAND: &str = "paw.build";

/// A failed request: the JSON-RPC error code and a message for the user.
pub struct Failure {
    code: i32,
    message: String,
}

impl Failure {
    fn new(code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure {
            code: code as i32,
            message: message.into(),
        }
    }
}

type Outcome = Result<Value, Failure>;

/// What the server needs from the environment it runs in.
#[derive(Clone, Debug)]
pub struct Config {
    /// paw's home: the artifact store is read from it, and the standard library's sources are written to it.
    pub paw_home: PawHome,
    /// The `pawc` executable that `paw.build` runs (`pawc build PROJECT`).
    pub pawc: PathBuf,
    /// Builds never fetch models (`pawc build --offline`).
    pub offline: bool,
}

pub struct Server {
    files: Files,
    paw_home: PawHome,
    store: ArtifactStore,
    builds: Builds,
    /// The client, for what the server says on its own (build progress and results); set by [`Server::run`].
    send: Option<Outgoing>,
    /// Whether the client takes `workspace/codeLens/refresh` (sent when a build ends).
    refresh_lenses: bool,
    /// The standard library's sources on disk, once a definition led there.
    stdlib: Option<PathBuf>,
    /// Projects whose diagnostics must be published after the current batch.
    dirty: HashSet<usize>,
    /// Per project, the files diagnostics were last published for (to clear them when they go away).
    published: HashMap<usize, HashSet<PathBuf>>,
}

pub fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..Default::default()
        }),
        signature_help_provider: Some(lsp::SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        code_lens_provider: Some(lsp::CodeLensOptions {
            resolve_provider: Some(false),
        }),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        execute_command_provider: Some(lsp::ExecuteCommandOptions {
            commands: vec![BUILD_COMMAND.into()],
            ..Default::default()
        }),
        semantic_tokens_provider: Some(lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
            lsp::SemanticTokensOptions {
                legend: lsp::SemanticTokensLegend {
                    token_types: features::TOKEN_TYPES
                        .iter()
                        .map(|t| lsp::SemanticTokenType::new(t))
                        .collect(),
                    token_modifiers: features::TOKEN_MODIFIERS
                        .iter()
                        .map(|t| lsp::SemanticTokenModifier::new(t))
                        .collect(),
                },
                full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                range: None,
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

impl Server {
    pub fn new(config: Config, client: &lsp::ClientCapabilities) -> Server {
        let refresh_lenses = client
            .workspace
            .as_ref()
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        Server {
            files: Files::new(),
            store: ArtifactStore::in_home(&config.paw_home),
            paw_home: config.paw_home,
            builds: Builds::new(config.pawc, config.offline),
            send: None,
            refresh_lenses,
            stdlib: None,
            dirty: HashSet::new(),
            published: HashMap::new(),
        }
    }

    /// Serves until the client shuts down, then stops the builds it started. `Err` is a broken connection.
    pub fn run(mut self, connection: &Connection) -> Result<(), String> {
        let sender = connection.sender.clone();
        self.send = Some(Arc::new(move |message| {
            // A closed connection means the client is gone; there is nobody left to tell.
            let _ = sender.send(message);
        }));
        let served = self.serve(connection);
        self.builds.stop_all();
        served
    }

    fn serve(&mut self, connection: &Connection) -> Result<(), String> {
        let mut queue: VecDeque<Message> = VecDeque::new();
        let mut cancelled: HashSet<RequestId> = HashSet::new();
        loop {
            if queue.is_empty() {
                for note in self.publish_diagnostics() {
                    connection
                        .sender
                        .send(Message::Notification(note))
                        .map_err(|e| e.to_string())?;
                }
                let Ok(message) = connection.receiver.recv() else {
                    return Ok(());
                };
                queue.push_back(message);
            }
            // Everything that has arrived, so that a cancellation is seen before the request it cancels runs.
            queue.extend(connection.receiver.try_iter());
            cancelled.extend(queue.iter().filter_map(cancelled_id));
            let Some(message) = queue.pop_front() else { continue };
            match message {
                Message::Request(req) => {
                    if connection.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    let id = req.id.clone();
                    let mut response = if cancelled.contains(&id) {
                        None
                    } else {
                        Some(self.handle(req))
                    };
                    // A cancellation that arrived while the request was computed still wins: its result is dropped.
                    queue.extend(connection.receiver.try_iter());
                    cancelled.extend(queue.iter().filter_map(cancelled_id));
                    if cancelled.remove(&id) {
                        response = None;
                    }
                    let response = response.unwrap_or_else(|| {
                        Response::new_err(id, ErrorCode::RequestCanceled as i32, "cancelled by the client".into())
                    });
                    connection
                        .sender
                        .send(Message::Response(response))
                        .map_err(|e| e.to_string())?;
                }
                Message::Notification(n) => self.notify(n),
                Message::Response(_) => {}
            }
        }
    }

    /// Answers one request; a panic in the handler is an `InternalError` response.
    pub fn handle(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.dispatch(req)));
        match outcome {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(failure)) => Response::new_err(id, failure.code, failure.message),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("internal error in pawc lsp (a bug in paw; the server keeps running): {what}"),
                )
            }
        }
    }

    fn dispatch(&mut self, req: Request) -> Outcome {
        use lsp::request::*;
        let params = req.params;
        match req.method.as_str() {
            HoverRequest::METHOD => self.hover(parse(params)?),
            GotoDefinition::METHOD => self.definition(parse(params)?),
            References::METHOD => self.references(parse(params)?),
            Rename::METHOD => self.rename(parse(params)?),
            Completion::METHOD => self.completion(parse(params)?),
            SignatureHelpRequest::METHOD => self.signature_help(parse(params)?),
            DocumentSymbolRequest::METHOD => self.document_symbols(parse(params)?),
            WorkspaceSymbolRequest::METHOD => self.workspace_symbols(parse(params)?),
            SemanticTokensFullRequest::METHOD => self.semantic_tokens(parse(params)?),
            Formatting::METHOD => self.format(parse(params)?),
            CodeLensRequest::METHOD => self.code_lens(parse(params)?),
            CodeActionRequest::METHOD => self.code_actions(parse(params)?),
            ExecuteCommand::METHOD => self.execute_command(parse(params)?),
            // A deliberate panic, so that tests (and users in doubt) can see that a bug in one handler is reported
            // and does not stop the server.
            "paw/crash" => panic!("paw/crash was requested"),
            other => Err(Failure::new(
                ErrorCode::MethodNotFound,
                format!("pawc lsp does not support `{other}`"),
            )),
        }
    }

    pub fn notify(&mut self, n: Notification) {
        use lsp::notification::*;
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params) else {
                    return;
                };
                if let Some(path) = to_path(&p.text_document.uri).filter(|p| !self.is_stdlib_copy(p)) {
                    let project = self
                        .files
                        .set_open_text(&path, p.text_document.text, p.text_document.version);
                    self.dirty.insert(project);
                }
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params) else {
                    return;
                };
                let Some(path) = to_path(&p.text_document.uri).filter(|p| !self.is_stdlib_copy(p)) else {
                    return;
                };
                let mut text = self.files.text(&path).map(|t| t.to_string()).unwrap_or_default();
                for change in p.content_changes {
                    match change.range {
                        Some(range) => {
                            let index = LineIndex::new(&text);
                            let (start, end) = (index.offset(range.start), index.offset(range.end));
                            text.replace_range(start..end.max(start), &change.text);
                        }
                        None => text = change.text,
                    }
                }
                let project = self.files.set_open_text(&path, text, p.text_document.version);
                self.dirty.insert(project);
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params) else {
                    return;
                };
                if let Some(path) = to_path(&p.text_document.uri).filter(|p| !self.is_stdlib_copy(p)) {
                    let project = self.files.close(&path);
                    self.dirty.insert(project);
                }
            }
            _ => {}
        }
    }

    /// The `publishDiagnostics` notifications for every project edited since the last call.
    pub fn publish_diagnostics(&mut self) -> Vec<Notification> {
        let mut out = Vec::new();
        for project in std::mem::take(&mut self.dirty) {
            let analysis = paw_db::check(&self.files.db, self.files.projects[project].workspace).clone();
            let mut by_path: HashMap<PathBuf, Vec<lsp::Diagnostic>> = self
                .files
                .modules(project)
                .into_iter()
                .map(|(_, path, _)| (path, Vec::new()))
                .collect();
            let (shown, omitted) = paw_diagnostics::shown_per_file(&analysis.diagnostics);
            for d in shown {
                let Some(path) = self.files.path_of(d.primary.span.file) else {
                    continue;
                };
                by_path.entry(path).or_default().push(self.to_lsp_diagnostic(d));
            }
            for (file, n) in omitted {
                let Some(path) = self.files.path_of(file) else { continue };
                by_path.entry(path).or_default().push(lsp::Diagnostic {
                    severity: Some(lsp::DiagnosticSeverity::INFORMATION),
                    source: Some("paw".into()),
                    message: format!(
                        "{n} more problems in this file are not shown (the first {} are); fix these and the rest \
                         appear",
                        paw_diagnostics::SHOWN_PER_FILE
                    ),
                    ..lsp::Diagnostic::default()
                });
            }
            let previous = self
                .published
                .insert(project, by_path.keys().cloned().collect())
                .unwrap_or_default();
            for gone in previous {
                by_path.entry(gone).or_default();
            }
            for (path, diagnostics) in by_path {
                let Ok(uri) = Url::from_file_path(&path) else { continue };
                let version = self.files.version(&path);
                let params = lsp::PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version,
                };
                out.push(Notification::new(
                    lsp::notification::PublishDiagnostics::METHOD.into(),
                    params,
                ));
            }
        }
        out
    }

    fn to_lsp_diagnostic(&self, d: &paw_diagnostics::Diagnostic) -> lsp::Diagnostic {
        let mut message = d.message.clone();
        if !d.primary.message.is_empty() && d.primary.message != d.message {
            message.push_str(&format!("\n{}", d.primary.message));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        for note in &d.notes {
            message.push_str(&format!("\nnote: {note}"));
        }
        let related: Vec<lsp::DiagnosticRelatedInformation> = d
            .secondary
            .iter()
            .filter_map(|l| {
                Some(lsp::DiagnosticRelatedInformation {
                    location: self.files.location(l.span)?,
                    message: l.message.clone(),
                })
            })
            .collect();
        lsp::Diagnostic {
            range: self.files.range(d.primary.span),
            severity: Some(if d.is_error() {
                lsp::DiagnosticSeverity::ERROR
            } else {
                lsp::DiagnosticSeverity::WARNING
            }),
            code: Some(lsp::NumberOrString::String(d.code.to_string())),
            source: Some("paw".into()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Default::default()
        }
    }

    /// Whether `path` is one of the read-only standard library sources written for "go to definition". They are
    /// not a user's program: the server neither checks them nor answers requests about them.
    fn is_stdlib_copy(&self, path: &Path) -> bool {
        self.stdlib.as_ref().is_some_and(|dir| path.starts_with(dir))
    }

    /// The open file at `uri`: its project's index, its module and its resolved names.
    fn file(&mut self, uri: &Url) -> Result<FileView, Failure> {
        let path = to_path(uri).ok_or_else(|| Failure::new(ErrorCode::InvalidParams, format!("not a file: {uri}")))?;
        if self.is_stdlib_copy(&path) {
            return Err(Failure::new(
                ErrorCode::RequestFailed,
                "this is a read-only copy of the standard library; pawc lsp does not analyse it",
            ));
        }
        if self.files.source(&path).is_none() {
            self.files
                .load_from_disk(&path)
                .map_err(|e| Failure::new(ErrorCode::InvalidParams, format!("cannot read {}: {e}", path.display())))?;
        }
        let project = self.files.project_of(&path);
        let index = self.files.index(project);
        let source = self.files.source(&path).expect("registered above");
        let module = self
            .files
            .modules(project)
            .into_iter()
            .find(|(_, p, _)| *p == path)
            .map(|(m, _, _)| m)
            .unwrap_or_default();
        let parsed = paw_db::parse(&self.files.db, source).clone();
        let refs = index.resolve_file(&module, &parsed.ast);
        let text = source.text(&self.files.db).to_string();
        Ok(FileView {
            project,
            module,
            index,
            refs,
            text,
            source,
        })
    }

    fn at(&mut self, pos: &lsp::TextDocumentPositionParams) -> Result<(FileView, usize), Failure> {
        let view = self.file(&pos.text_document.uri)?;
        let offset = LineIndex::new(&view.text).offset(pos.position);
        Ok((view, offset))
    }

    fn hover(&mut self, p: lsp::HoverParams) -> Outcome {
        let (view, offset) = self.at(&p.text_document_position_params)?;
        let Some(r) = view.refs.at(offset) else {
            return Ok(Value::Null);
        };
        let root = &self.files.projects[view.project].root;
        let program = view.index.program();
        let text = features::hover(&view.index, &view.refs, &r.def, &|f| {
            build_state::state(&self.store, root, f, program)
        });
        let hover = lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: text,
            }),
            range: Some(self.files.range(r.span)),
        };
        to_value(hover)
    }

    fn definition(&mut self, p: lsp::GotoDefinitionParams) -> Outcome {
        let (view, offset) = self.at(&p.text_document_position_params)?;
        let Some(r) = view.refs.at(offset) else {
            return Ok(Value::Null);
        };
        let Some(span) = view.index.def_span(&r.def) else {
            return Ok(Value::Null);
        };
        let location = match self.files.location(span) {
            Some(location) => Some(location),
            None => self.stdlib_location(span)?,
        };
        to_value(location.map(lsp::GotoDefinitionResponse::Scalar))
    }

    /// A span in a standard module, as a location in its source on disk (written there on first use).
    fn stdlib_location(&mut self, span: paw_diagnostics::Span) -> Result<Option<lsp::Location>, Failure> {
        let dir = match &self.stdlib {
            Some(dir) => dir.clone(),
            None => {
                let dir = stdlib_files::materialize(&self.paw_home).map_err(|e| {
                    let at = self.paw_home.stdlib_dir();
                    Failure::new(
                        ErrorCode::RequestFailed,
                        format!("cannot write the standard library's sources to {}: {e}", at.display()),
                    )
                })?;
                let dir = dir.canonicalize().unwrap_or(dir);
                self.stdlib = Some(dir.clone());
                dir
            }
        };
        let name = self.files.db.source(span.file).name(&self.files.db).clone();
        let Some(path) = stdlib_files::path_in(&dir, &name) else {
            return Ok(None);
        };
        let Ok(uri) = Url::from_file_path(&path) else {
            return Ok(None);
        };
        Ok(Some(lsp::Location::new(uri, self.files.range(span))))
    }

    /// Every reference to what is at the position, across the project's files.
    fn all_refs(&mut self, pos: &lsp::TextDocumentPositionParams) -> Result<Option<(Def, Vec<Occurrence>)>, Failure> {
        let (view, offset) = self.at(pos)?;
        let Some(def) = view.refs.at(offset).map(|r| r.def.clone()) else {
            return Ok(None);
        };
        let spans = if let Def::Local(_) = def {
            view.refs
                .refs
                .iter()
                .filter(|r| r.def == def)
                .map(|r| (r.span, r.is_decl))
                .collect()
        } else {
            let mut spans = Vec::new();
            for (module, _, source) in self.files.modules(view.project) {
                let ast = paw_db::parse(&self.files.db, source).ast.clone();
                let refs = view.index.resolve_file(&module, &ast);
                spans.extend(refs.refs.iter().filter(|r| r.def == def).map(|r| (r.span, r.is_decl)));
            }
            spans
        };
        Ok(Some((def, spans)))
    }

    fn references(&mut self, p: lsp::ReferenceParams) -> Outcome {
        let include_decl = p.context.include_declaration;
        let Some((_, spans)) = self.all_refs(&p.text_document_position)? else {
            return Ok(Value::Null);
        };
        let locations: Vec<lsp::Location> = spans
            .into_iter()
            .filter(|(_, decl)| include_decl || !decl)
            .filter_map(|(s, _)| self.files.location(s))
            .collect();
        to_value(locations)
    }

    fn rename(&mut self, p: lsp::RenameParams) -> Outcome {
        if !features::is_valid_name(&p.new_name) {
            return Err(Failure::new(
                ErrorCode::InvalidParams,
                format!("`{}` is not a valid name", p.new_name),
            ));
        }
        let Some((def, spans)) = self.all_refs(&p.text_document_position)? else {
            return Err(Failure::new(
                ErrorCode::InvalidParams,
                "there is no name to rename here",
            ));
        };
        let view_index = self.file(&p.text_document_position.text_document.uri)?.index;
        let in_std = view_index
            .def_span(&def)
            .is_none_or(|s| self.files.path_of(s.file).is_none());
        if in_std || matches!(def, Def::Module(_)) {
            return Err(Failure::new(
                ErrorCode::InvalidParams,
                "only names declared in this project can be renamed",
            ));
        }
        let mut changes: HashMap<Url, Vec<lsp::TextEdit>> = HashMap::new();
        for (span, _) in spans {
            if let Some(loc) = self.files.location(span) {
                changes
                    .entry(loc.uri)
                    .or_default()
                    .push(lsp::TextEdit::new(loc.range, p.new_name.clone()));
            }
        }
        to_value(lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        })
    }

    fn completion(&mut self, p: lsp::CompletionParams) -> Outcome {
        let (view, offset) = self.at(&p.text_document_position)?;
        let items: Vec<lsp::CompletionItem> =
            features::complete(&view.index, &view.refs, &view.module, &view.text, offset)
                .into_iter()
                .map(|c| lsp::CompletionItem {
                    label: c.label,
                    kind: Some(match c.kind {
                        CandidateKind::Keyword => lsp::CompletionItemKind::KEYWORD,
                        CandidateKind::Local => lsp::CompletionItemKind::VARIABLE,
                        CandidateKind::Function => lsp::CompletionItemKind::FUNCTION,
                        CandidateKind::Struct => lsp::CompletionItemKind::STRUCT,
                        CandidateKind::Enum => lsp::CompletionItemKind::ENUM,
                        CandidateKind::Field => lsp::CompletionItemKind::FIELD,
                        CandidateKind::Variant => lsp::CompletionItemKind::ENUM_MEMBER,
                        CandidateKind::Module => lsp::CompletionItemKind::MODULE,
                    }),
                    detail: (!c.detail.is_empty()).then_some(c.detail),
                    ..Default::default()
                })
                .collect();
        to_value(lsp::CompletionResponse::Array(items))
    }

    fn signature_help(&mut self, p: lsp::SignatureHelpParams) -> Outcome {
        let (view, offset) = self.at(&p.text_document_position_params)?;
        let Some((callee, argument)) = features::enclosing_call(&view.text, offset) else {
            return Ok(Value::Null);
        };
        let Some((def, method)) = features::callee_def(&view.index, &view.refs, &view.module, &callee, offset) else {
            return Ok(Value::Null);
        };
        let Some((label, params)) = features::signature(&view.index, &def) else {
            return Ok(Value::Null);
        };
        let docs = match &def {
            Def::Fn(id) => view.index.program().function(*id).docs.clone(),
            Def::Native(id) => view.index.program().native(*id).docs.clone(),
            Def::Fuzzy(id) => view.index.program().fuzzy_fn(*id).docs.clone(),
            _ => String::new(),
        };
        let help = lsp::SignatureHelp {
            signatures: vec![lsp::SignatureInformation {
                label,
                documentation: (!docs.is_empty()).then_some({
                    lsp::Documentation::MarkupContent(lsp::MarkupContent {
                        kind: lsp::MarkupKind::Markdown,
                        value: docs,
                    })
                }),
                parameters: Some(
                    params
                        .into_iter()
                        .map(|p| lsp::ParameterInformation {
                            label: lsp::ParameterLabel::Simple(p),
                            documentation: None,
                        })
                        .collect(),
                ),
                active_parameter: None,
            }],
            active_signature: Some(0),
            active_parameter: Some((argument + usize::from(method)) as u32),
        };
        to_value(help)
    }

    fn document_symbols(&mut self, p: lsp::DocumentSymbolParams) -> Outcome {
        let view = self.file(&p.text_document.uri)?;
        let items = paw_db::module_items(&self.files.db, view.source).clone();
        #[allow(deprecated)]
        fn symbol(files: &Files, item: &paw_db::ItemSummary) -> lsp::DocumentSymbol {
            lsp::DocumentSymbol {
                name: item.name.clone(),
                detail: Some(item.signature.clone()),
                kind: symbol_kind(item.kind),
                tags: None,
                deprecated: None,
                range: files.range(item.span),
                selection_range: files.range(item.name_span),
                children: (!item.children.is_empty()).then(|| item.children.iter().map(|c| symbol(files, c)).collect()),
            }
        }
        let symbols: Vec<lsp::DocumentSymbol> = items.iter().map(|i| symbol(&self.files, i)).collect();
        to_value(lsp::DocumentSymbolResponse::Nested(symbols))
    }

    fn workspace_symbols(&mut self, p: lsp::WorkspaceSymbolParams) -> Outcome {
        let mut out = Vec::new();
        for project in 0..self.files.projects.len() {
            for (module, _, source) in self.files.modules(project) {
                let items = paw_db::module_items(&self.files.db, source).clone();
                for item in features::matching_items(&items, &p.query) {
                    let Some(location) = self.files.location(item.name_span) else {
                        continue;
                    };
                    #[allow(deprecated)]
                    out.push(lsp::SymbolInformation {
                        name: item.name.clone(),
                        kind: symbol_kind(item.kind),
                        tags: None,
                        deprecated: None,
                        location,
                        container_name: Some(module.clone()),
                    });
                }
            }
        }
        out.dedup_by(|a, b| a.location == b.location);
        to_value(out)
    }

    fn semantic_tokens(&mut self, p: lsp::SemanticTokensParams) -> Outcome {
        let view = self.file(&p.text_document.uri)?;
        let lexemes = paw_syntax::lex(&view.text);
        let index = LineIndex::new(&view.text);
        let mut data = Vec::new();
        let (mut last_line, mut last_start) = (0, 0);
        for t in features::semantic_tokens(&lexemes, &view.text, &view.refs) {
            let start = index.position(t.start as usize);
            let end = index.position(t.end as usize);
            let length = if end.line == start.line {
                end.character - start.character
            } else {
                continue;
            };
            let delta_line = start.line - last_line;
            let delta_start = if delta_line == 0 {
                start.character - last_start
            } else {
                start.character
            };
            data.push(lsp::SemanticToken {
                delta_line,
                delta_start,
                length,
                token_type: t.ty,
                token_modifiers_bitset: t.modifiers,
            });
            (last_line, last_start) = (start.line, start.character);
        }
        to_value(lsp::SemanticTokens { result_id: None, data })
    }

    fn format(&mut self, p: lsp::DocumentFormattingParams) -> Outcome {
        let view = self.file(&p.text_document.uri)?;
        let formatted = paw_fmt::format_source(view.source.id(&self.files.db), &view.text).map_err(|errors| {
            let first = errors.first().map(|d| d.message.clone()).unwrap_or_default();
            Failure::new(
                ErrorCode::RequestFailed,
                format!("cannot format a file with syntax errors ({first})"),
            )
        })?;
        if formatted == view.text {
            return to_value(Vec::<lsp::TextEdit>::new());
        }
        let end = LineIndex::new(&view.text).position(view.text.len());
        to_value(vec![lsp::TextEdit::new(
            lsp::Range::new(lsp::Position::new(0, 0), end),
            formatted,
        )])
    }

    fn build_command(uri: &Url, span_start: lsp::Position, name: &str) -> lsp::Command {
        lsp::Command {
            title: format!("Build fuzzy fn `{name}`"),
            command: BUILD_COMMAND.into(),
            arguments: Some(vec![json!({ "textDocument": { "uri": uri }, "position": span_start })]),
        }
    }

    /// A lens on each fuzzy fn: its build state, and a click builds it.
    fn code_lens(&mut self, p: lsp::CodeLensParams) -> Outcome {
        let view = self.file(&p.text_document.uri)?;
        let items = paw_db::module_items(&self.files.db, view.source).clone();
        let root = &self.files.projects[view.project].root;
        let program = view.index.program();
        let lenses: Vec<lsp::CodeLens> = features::fuzzy_names(&items)
            .into_iter()
            .map(|(name, span)| {
                let range = self.files.range(span);
                let mut command = Self::build_command(&p.text_document.uri, range.start, &name);
                if let Some(f) = program.fuzzy.iter().find(|f| f.module == view.module && f.name == name) {
                    command.title = format!(
                        "{} ({})",
                        command.title,
                        build_state::state(&self.store, root, f, program).summary()
                    );
                }
                lsp::CodeLens {
                    range,
                    command: Some(command),
                    data: None,
                }
            })
            .collect();
        to_value(lenses)
    }

    fn code_actions(&mut self, p: lsp::CodeActionParams) -> Outcome {
        let view = self.file(&p.text_document.uri)?;
        let index = LineIndex::new(&view.text);
        let (start, end) = (index.offset(p.range.start), index.offset(p.range.end));
        let items = paw_db::module_items(&self.files.db, view.source).clone();
        let actions: Vec<lsp::CodeActionOrCommand> = items
            .iter()
            .filter(|i| i.kind == paw_db::ItemKind::Fuzzy && i.span.contains(start) && i.span.contains(end))
            .map(|i| {
                let command = Self::build_command(&p.text_document.uri, self.files.range(i.name_span).start, &i.name);
                lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: command.title.clone(),
                    kind: Some(lsp::CodeActionKind::new("source.build")),
                    command: Some(command),
                    ..Default::default()
                })
            })
            .collect();
        to_value(actions)
    }

    fn execute_command(&mut self, p: lsp::ExecuteCommandParams) -> Outcome {
        if p.command != BUILD_COMMAND {
            return Err(Failure::new(
                ErrorCode::InvalidParams,
                format!("unknown command `{}`", p.command),
            ));
        }
        let at: lsp::TextDocumentPositionParams = p
            .arguments
            .into_iter()
            .next()
            .and_then(|a| serde_json::from_value(a).ok())
            .ok_or_else(|| {
                Failure::new(
                    ErrorCode::InvalidParams,
                    "paw.build takes {textDocument: {uri}, position}",
                )
            })?;
        let (view, offset) = self.at(&at)?;
        let items = paw_db::module_items(&self.files.db, view.source).clone();
        let Some(item) = items
            .iter()
            .find(|i| i.kind == paw_db::ItemKind::Fuzzy && i.span.contains(offset))
        else {
            return Err(Failure::new(
                ErrorCode::InvalidParams,
                "there is no fuzzy fn at this position",
            ));
        };
        let root = self.files.projects[view.project].root.clone();
        let what = format!("`{}`", paw_artifact::function_key(&view.module, &item.name));
        let mut message = format!(
            "Building {what}: `pawc build {}` compiles every fuzzy fn of the project whose spec changed",
            root.display()
        );
        if self.files.has_unsaved_changes(view.project) {
            message.push_str(" (it reads the saved files: unsaved edits are not built)");
        }
        let send = self
            .send
            .clone()
            .ok_or_else(|| Failure::new(ErrorCode::InternalError, "the server is not connected to a client"))?;
        let job = Job {
            root,
            what,
            token: p.work_done_progress_params.work_done_token,
            refresh_lenses: self.refresh_lenses,
        };
        self.builds
            .start(job, send)
            .map_err(|message| Failure::new(ErrorCode::RequestFailed, message))?;
        to_value(json!({ "message": message }))
    }
}

/// One file, resolved, for a request.
struct FileView {
    project: usize,
    module: String,
    index: std::sync::Arc<Index>,
    refs: FileRefs,
    text: String,
    source: paw_db::Source,
}

fn symbol_kind(kind: paw_db::ItemKind) -> lsp::SymbolKind {
    use paw_db::ItemKind as K;
    match kind {
        K::Function | K::Native | K::Fuzzy | K::Test => lsp::SymbolKind::FUNCTION,
        K::Struct => lsp::SymbolKind::STRUCT,
        K::Enum => lsp::SymbolKind::ENUM,
        K::Field => lsp::SymbolKind::FIELD,
        K::Variant => lsp::SymbolKind::ENUM_MEMBER,
    }
}

fn cancelled_id(message: &Message) -> Option<RequestId> {
    let Message::Notification(n) = message else { return None };
    if n.method != lsp::notification::Cancel::METHOD {
        return None;
    }
    let params: lsp::CancelParams = serde_json::from_value(n.params.clone()).ok()?;
    Some(match params.id {
        lsp::NumberOrString::Number(n) => RequestId::from(n),
        lsp::NumberOrString::String(s) => RequestId::from(s),
    })
}

fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, Failure> {
    serde_json::from_value(params)
        .map_err(|e| Failure::new(ErrorCode::InvalidParams, format!("invalid parameters: {e}")))
}

fn to_value(v: impl serde::Serialize) -> Outcome {
    serde_json::to_value(v).map_err(|e| Failure::new(ErrorCode::InternalError, e.to_string()))
}

fn to_path(uri: &Url) -> Option<PathBuf> {
    uri.to_file_path().ok().map(|p| normalize(&p))
}

/// The path with `.` and `..` resolved and symlinked directories followed where they exist, so one file has one key.
fn normalize(path: &Path) -> PathBuf {
    match (path.parent().and_then(|d| d.canonicalize().ok()), path.file_name()) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// Where a definition is named, and whether that place is the declaration itself.
type Occurrence = (paw_diagnostics::Span, bool);
