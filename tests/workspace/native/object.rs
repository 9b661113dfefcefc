//! The object files of standalone executables: what `compile_object` makes, and `link` refusing native code
//! made for another program.

mod support;

use support::compile;

const SOURCE: &str = "fn sq(x: int) -> int {\n    x * x\n}\nfn main() {\n    print(sq(7));\n}\n";

#[test]
fn an_object_has_the_program_and_a_main() {
    let compiled = compile(SOURCE);
    let program = &compiled.checked.program;
    let (object, report) = paw_native::compile_object(program, b"the image").expect("the host is supported");
    assert_eq!(&object[..4], b"\x7fELF", "an ELF relocatable object on this host");
    let contains = |needle: &[u8]| object.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b"the image"), "the image is carried as data");
    assert!(
        contains(b"paw_standalone_main") && contains(b"paw_rt_call"),
        "the runtime's symbols are imported"
    );
    assert_eq!(
        report,
        paw_native::compile(program).report().clone(),
        "the same functions are native as under the JIT"
    );
}

#[test]
fn link_refuses_code_made_for_another_program() {
    let compiled = compile(SOURCE);
    let program = &compiled.checked.program;
    let entries = vec![None; program.functions.len()];
    let error = paw_native::link(program, entries.clone(), "not the code id")
        .err()
        .expect("a wrong code id is refused");
    assert!(error.contains("does not match"), "{error}");
    assert!(paw_native::link(program, entries[1..].to_vec(), "not the code id").is_err());
}
