use paw_diagnostics::{FileId, Files};
#[test]
fn smoke() {
    for src in [
        "use std.io\n/// Is it?\n///\n/// >>> is_alert(\"x\", [1, 2])\n/// true\nfuzzy fn is_alert(line: str) -> bool\nfn main() {\n let mut a = 0;\n for l in xs { if is_alert(l) { print(\"A {l} {a + 1}\"); a += 1; } }\n match x { a => 1, _ => {} }\n (b)\n}\n",
        "fn f() {\n let x = 1\n let y = 2;\n if a = b { }\n let p = Point { x: 1 };\n}\nfn g( { }\n",
        "fn f() { if a {} elif b {} }",
        "fn f() { let x; }",
        "fn f() { a < b < c; }",
        "fn f() { let s = \"a\\q {}\"; }",
        "fn f() {\n let x = 1;\n",
    ] {
        let mut files = Files::new();
        let id = files.add("t.pw", src);
        let (ast, d) = paw_syntax::parse(id, src);
        println!("{:#?}", ast.items.len());
        print!("{}", paw_diagnostics::render::render_all(&d, &files, false));
    }
    let _ = FileId(0);
}
