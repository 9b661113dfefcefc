//! Arbitrary bytes through lex, parse and check must never panic or overflow the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paw_check::{check_file, NoLoader};
use paw_diagnostics::Files;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut files = Files::new();
    let file = files.add("fuzz.pw", text.as_ref());
    let checked = check_file(&mut files, file, &NoLoader);
    // Rendering is part of what users see; it must cope with every span the phases produce.
    for d in &checked.diagnostics {
        paw_diagnostics::render::render(d, &files, false);
    }
});
