//! What is recomputed after an edit, observed through salsa's execution events.

use std::sync::{Arc, Mutex};

use paw_check::NoLoader;
use paw_diagnostics::Files;

use super::*;

/// A database that logs which queries ran, as `parse(Id(..))`-style names.
fn logging_db() -> (Database, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
        if let salsa::EventKind::WillExecute { database_key } = event.kind {
            sink.lock().unwrap().push(format!("{database_key:?}"));
        }
    })));
    (Database::with_storage(&Files::new(), storage), log)
}

fn ran(log: &Mutex<Vec<String>>, query: &str) -> usize {
    log.lock().unwrap().drain(..).filter(|q| q.starts_with(query)).count()
}

const MAIN: &str = "use helpers\n\nfn main() {\n    print(helpers.twice(2));\n}\n";
const HELPERS: &str = "/// Doubles.\nfn twice(x: int) -> int {\n    x * 2\n}\n";

#[test]
fn an_edit_reparses_only_the_edited_file_and_rechecks() {
    let (mut db, log) = logging_db();
    let main = db.add_source("src/main.pw", MAIN);
    let helpers = db.add_source("src/helpers.pw", HELPERS);
    let ws = db.workspace([("main".to_string(), main), ("helpers".to_string(), helpers)]);
    assert!(
        check(&db, ws).diagnostics.is_empty(),
        "{:?}",
        check(&db, ws).diagnostics
    );
    let first_parses = ran(&log, "parse(");
    assert_eq!(first_parses, paw_stdlib::MODULES.len() + 2, "every file parsed once");

    db.set_text(helpers, HELPERS.replace("x * 2", "x * \"2\""));
    let analysis = check(&db, ws);
    assert_eq!(analysis.diagnostics.len(), 1);
    assert_eq!(analysis.diagnostics[0].primary.span.file, helpers.id(&db));
    assert_eq!(ran(&log, "parse("), 1, "only the edited file is parsed again");

    // Asking again without an edit recomputes nothing.
    check(&db, ws);
    module_items(&db, main);
    let _ = ran(&log, "");
    check(&db, ws);
    assert_eq!(ran(&log, ""), 0);
}

#[test]
fn item_summaries_of_other_files_are_reused_after_an_edit() {
    let (mut db, log) = logging_db();
    let main = db.add_source("src/main.pw", MAIN);
    let helpers = db.add_source("src/helpers.pw", HELPERS);
    let items = module_items(&db, helpers);
    assert_eq!(items[0].signature, "fn twice(x: int) -> int");
    assert_eq!(items[0].docs, "Doubles.");
    module_items(&db, main);
    let _ = ran(&log, "");
    db.set_text(main, MAIN.replace("2));", "3));"));
    module_items(&db, main);
    module_items(&db, helpers);
    assert_eq!(ran(&log, "module_items("), 1, "only main's summary is recomputed");
}

#[test]
fn diagnostics_match_the_whole_program_checker() {
    let text = "fn main() {\n    let x: int = \"no\";\n    undefined_name();\n}\nfn broken( {\n";
    let mut files = Files::new();
    let file = files.add("main.pw", text);
    let mut db = Database::with_files(&files);
    let ws = db.workspace([("main".to_string(), db.source(file))]);
    let incremental = check(&db, ws).diagnostics.clone();
    let whole = paw_check::check_file(&mut files, file, &NoLoader).diagnostics;
    assert!(incremental.len() >= 3, "{incremental:?}");
    assert_eq!(incremental, whole);
}

#[test]
fn used_sibling_modules_are_loaded_through_the_loader() {
    struct Siblings;
    impl SourceLoader for Siblings {
        fn load_user_module(&self, name: &str) -> Option<(String, String)> {
            (name == "helpers").then(|| ("helpers.pw".to_string(), HELPERS.to_string()))
        }
    }
    let mut db = Database::new();
    let main = db.add_source("main.pw", MAIN.replace("use helpers", "use helpers\nuse missing"));
    let ws = db.workspace([("main".to_string(), main)]);
    db.load_used_modules(ws, &Siblings);
    let codes: Vec<_> = check(&db, ws).diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0103"], "only `missing` is unknown");
    assert!(db.source_named("helpers.pw").is_some());
}
