//! Every code the syntax crate can emit has a long explanation for `pawc explain`.

#[test]
fn every_emitted_code_is_explained() {
    let sources = [
        include_str!("../src/messages.rs"),
        include_str!("../src/strings.rs"),
        include_str!("../src/docs.rs"),
        include_str!("../src/depth.rs"),
        include_str!("../src/parser.rs"),
    ];
    let mut found = 0;
    for src in sources {
        for (i, _) in src.match_indices("\"E00").chain(src.match_indices("\"W00")) {
            let code = &src[i + 1..i + 6];
            assert!(paw_diagnostics::explain(code).is_some(), "{code} has no explanation");
            found += 1;
        }
    }
    assert!(found >= 20, "found only {found} codes");
}
