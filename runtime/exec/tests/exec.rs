//! The executor on hand-built checked programs: results, output, control flow, and runtime errors with their
//! spans and `.pw` stacks.

mod support;

use paw_check::hir::*;
use paw_runtime::{run_main, run_tests, ErrorKind, RuntimeError};
use support::*;

fn run(p: &Program) -> (Result<(), RuntimeError>, String) {
    let (options, out) = captured();
    let r = run_main(p, options);
    (r, out.text())
}

fn frames(e: &RuntimeError) -> Vec<(&str, u32)> {
    e.trace.iter().map(|f| (f.function.as_str(), f.span.start)).collect()
}

#[test]
fn recursive_fib() {
    assert_eq!(run(&fib_program(20)), (Ok(()), "6765\n".into()));
}

#[test]
fn string_building_sorting_and_word_count() {
    let (r, out) = run(&string_build_program(1000));
    assert_eq!((r, out), (Ok(()), format!("{}\n", (0..1000).map(|i| format!("line {i}\n")).collect::<String>().len())));
    assert_eq!(run(&sort_program(1000)).1.lines().count(), 2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.txt");
    std::fs::write(&path, "the cat\nthe  dog and the bird\n").unwrap();
    assert_eq!(run(&word_count_program(path.to_str().unwrap())), (Ok(()), "5\n3\n".into()));
}

#[test]
fn missing_file_is_an_io_error_at_the_call() {
    let p = word_count_program("/nonexistent/words.txt");
    let e = run(&p).0.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Io);
    assert_eq!(frames(&e), vec![("main", 0)]);
}

/// fn div(a: int, b: int) -> int { a / b }   fn main() { print(div(1, 0)) }
#[test]
fn division_by_zero_carries_span_and_stack() {
    let div = func("div", vec![Ty::Int, Ty::Int], Ty::Int, at(iop(ArithOp::Div, ints(0), ints(1)), 30, 35), 2);
    let main = func(
        "main",
        vec![],
        Ty::Unit,
        block(vec![expr(native(0, vec![at(call(0, vec![int(1), int(0)], Ty::Int), 60, 69)], Ty::Unit))], None),
        0,
    );
    let e = run(&program(vec![div, main], &["prelude.print"])).0.unwrap_err();
    assert_eq!(e.kind, ErrorKind::DivisionByZero);
    assert_eq!(e.message, "division by zero: 1 / 0");
    assert_eq!(e.span, Some(sp(30, 35)));
    assert_eq!(frames(&e), vec![("div", 30), ("main", 60)]);
    assert_eq!(e.to_diagnostic().code, "E0900");
}

/// fn down(n: int) -> int { down(n + 1) }: stopped with an error, not a stack overflow.
#[test]
fn runaway_recursion_is_an_error() {
    let down = func("down", vec![Ty::Int], Ty::Int, at(call(0, vec![iop(ArithOp::Add, ints(0), int(1))], Ty::Int), 10, 20), 1);
    let main = func("main", vec![], Ty::Unit, block(vec![expr(at(call(0, vec![int(0)], Ty::Int), 40, 47))], None), 0);
    let e = run(&program(vec![down, main], &[])).0.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RecursionTooDeep);
    assert_eq!(e.trace.len(), 10_001);
    assert_eq!(e.trace.last().unwrap().function, "main");
}

#[test]
fn integer_overflow_is_checked() {
    let main = func("main", vec![], Ty::Unit, block(vec![expr(iop(ArithOp::Mul, int(i64::MAX), int(2)))], None), 0);
    let e = run(&program(vec![main], &[])).0.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Overflow);
}

/// let xs = [1, 2, 3]; let k = 10; print(xs.map(|x| x * k)); for x in xs { if x == 2 { continue } ... }
#[test]
fn closures_capture_values_and_natives_call_back() {
    let list = Ty::List(Box::new(Ty::Int));
    let lambda = Closure {
        params: vec![Param { name: "x".into(), ty: Ty::Int, span: sp(0, 0) }],
        captures: vec![Capture { outer: LocalId(1), inner: LocalId(1) }],
        body: iop(ArithOp::Mul, ints(0), ints(1)),
        num_locals: 2,
    };
    let closure = e(ExprKind::Closure(Box::new(lambda)), Ty::Fn(vec![Ty::Int], Box::new(Ty::Int)));
    let main = func(
        "main",
        vec![],
        Ty::Unit,
        block(
            vec![
                let_(0, e(ExprKind::List(vec![int(1), int(2), int(3)]), list.clone())),
                let_(1, int(10)),
                let_(2, closure),
                let_(1, int(99)),
                expr(native(0, vec![native(1, vec![local(0, list.clone()), local(2, Ty::Unit)], list.clone())], Ty::Unit)),
                StmtKind::ForList {
                    var: LocalId(3),
                    list: local(0, list.clone()),
                    body: body(vec![
                        expr(if_(
                            e(ExprKind::Binary { op: BinaryOp::Eq, lhs: Box::new(ints(3)), rhs: Box::new(int(2)) }, Ty::Bool),
                            block(vec![StmtKind::Continue], None),
                            block(vec![], None),
                        )),
                        expr(native(0, vec![ints(3)], Ty::Unit)),
                    ]),
                },
            ],
            None,
        ),
        4,
    );
    assert_eq!(run(&program(vec![main], &["prelude.print", "list.map"])), (Ok(()), "[10, 20, 30]\n1\n3\n".into()));
}

/// match xs.first() { some(x) => x, none => -1 } on [] and [7]; dict indexing of a missing key.
#[test]
fn match_on_optionals_and_missing_keys() {
    let list = Ty::List(Box::new(Ty::Int));
    let first = |items: Vec<Expr>| {
        e(
            ExprKind::Match {
                scrutinee: Box::new(native(1, vec![e(ExprKind::List(items), list.clone())], Ty::Optional(Box::new(Ty::Int)))),
                arms: vec![
                    MatchArm { pattern: Pattern::Some(Box::new(Pattern::Bind(LocalId(0)))), body: ints(0), span: sp(0, 0) },
                    MatchArm { pattern: Pattern::None, body: int(-1), span: sp(0, 0) },
                ],
            },
            Ty::Int,
        )
    };
    let dict = Ty::Dict(Box::new(Ty::Str), Box::new(Ty::Int));
    let missing = at(
        e(ExprKind::Index { base: Box::new(native(2, vec![], dict)), index: Box::new(string("k")), kind: IndexKind::Dict }, Ty::Int),
        5,
        12,
    );
    let main = func(
        "main",
        vec![],
        Ty::Unit,
        block(
            vec![expr(native(0, vec![first(vec![])], Ty::Unit)), expr(native(0, vec![first(vec![int(7)])], Ty::Unit)), expr(missing)],
            None,
        ),
        1,
    );
    let (r, out) = run(&program(vec![main], &["prelude.print", "list.first", "dict.new"]));
    assert_eq!(out, "-1\n7\n");
    let e = r.unwrap_err();
    assert_eq!((e.kind, e.message.as_str(), e.span), (ErrorKind::MissingKey, "key \"k\" is not in the dict", Some(sp(5, 12))));
}

#[test]
fn unbuilt_fuzzy_fn_is_an_error_not_an_answer() {
    let mut p = program(vec![], &[]);
    p.fuzzy.push(FuzzyFn {
        name: "is_alert".into(),
        module: "main".into(),
        params: vec![Param { name: "line".into(), ty: Ty::Str, span: sp(0, 0) }],
        ret: Ty::Bool,
        docs: String::new(),
        description: String::new(),
        examples: vec![],
        span: sp(0, 0),
        name_span: sp(0, 0),
    });
    let call = at(e(ExprKind::Call { callee: Callee::Fuzzy(FuzzyId(0)), args: vec![string("x")] }, Ty::Bool), 3, 9);
    p.functions.push(func("main", vec![], Ty::Unit, block(vec![expr(call)], None), 0));
    p.main = Some(FnId(0));
    let e = run(&p).0.unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Fuzzy, "fuzzy fn `is_alert` has not been built"));
    assert!(e.help.unwrap().contains("pawc build"));
}

#[test]
fn each_test_runs_independently() {
    let mut p = program(vec![], &["prelude.assert_eq"]);
    let test = |name: &str, a: i64| TestDef {
        name: name.into(),
        module: "main".into(),
        body: block(vec![expr(native(0, vec![int(a), int(1)], Ty::Unit))], None),
        num_locals: 0,
        span: sp(0, 0),
    };
    p.tests = vec![test("fails", 2), test("passes", 1), test("other", 1)];
    let (options, _) = captured();
    let outcomes = run_tests(&p, None, options);
    let summary: Vec<_> = outcomes.iter().map(|o| (o.name.as_str(), o.result.is_ok())).collect();
    assert_eq!(summary, vec![("fails", false), ("passes", true), ("other", true)]);
    let failure = outcomes[0].result.as_ref().unwrap_err();
    assert_eq!(failure.message, "assertion failed: the values differ\n  actual:   2\n  expected: 1");
    assert_eq!(failure.trace[0].function, "test \"fails\"");
    let (options, _) = captured();
    assert_eq!(run_tests(&p, Some("pass"), options).len(), 1);
}
