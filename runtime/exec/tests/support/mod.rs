//! Builds checked programs (HIR) by hand, for executor tests and benchmarks that must not depend on the
//! parser and checker. Each helper makes one node; spans are byte ranges in file 0.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use paw_check::hir::*;
use paw_diagnostics::{FileId, Span};
use paw_runtime::{RunOptions, Unbuilt};

pub fn sp(start: u32, end: u32) -> Span {
    Span { file: FileId(0), start, end }
}

pub fn e(kind: ExprKind, ty: Ty) -> Expr {
    Expr { kind, ty, span: sp(0, 0) }
}

pub fn at(mut x: Expr, start: u32, end: u32) -> Expr {
    x.span = sp(start, end);
    x
}

pub fn int(i: i64) -> Expr {
    e(ExprKind::Int(i), Ty::Int)
}

pub fn string(s: &str) -> Expr {
    e(ExprKind::Str(s.into()), Ty::Str)
}

pub fn local(i: u32, ty: Ty) -> Expr {
    e(ExprKind::Local(LocalId(i)), ty)
}

pub fn ints(i: u32) -> Expr {
    local(i, Ty::Int)
}

pub fn iop(op: ArithOp, a: Expr, b: Expr) -> Expr {
    e(ExprKind::Binary { op: BinaryOp::Int(op), lhs: Box::new(a), rhs: Box::new(b) }, Ty::Int)
}

pub fn cmp(op: CompareOp, a: Expr, b: Expr) -> Expr {
    e(ExprKind::Binary { op: BinaryOp::Compare(op, OrderedTy::Int), lhs: Box::new(a), rhs: Box::new(b) }, Ty::Bool)
}

pub fn call(f: u32, args: Vec<Expr>, ty: Ty) -> Expr {
    e(ExprKind::Call { callee: Callee::Fn(FnId(f)), args }, ty)
}

pub fn native(n: u32, args: Vec<Expr>, ty: Ty) -> Expr {
    e(ExprKind::Call { callee: Callee::Native(NativeId(n)), args }, ty)
}

pub fn if_(c: Expr, t: Expr, f: Expr) -> Expr {
    let ty = t.ty.clone();
    e(ExprKind::If { cond: Box::new(c), then: Box::new(t), else_: Some(Box::new(f)) }, ty)
}

pub fn block(stmts: Vec<StmtKind>, tail: Option<Expr>) -> Expr {
    let ty = tail.as_ref().map_or(Ty::Unit, |t| t.ty.clone());
    e(
        ExprKind::Block(Block {
            stmts: stmts.into_iter().map(|kind| Stmt { kind, span: sp(0, 0) }).collect(),
            tail: tail.map(Box::new),
        }),
        ty,
    )
}

pub fn body(stmts: Vec<StmtKind>) -> Block {
    Block { stmts: stmts.into_iter().map(|kind| Stmt { kind, span: sp(0, 0) }).collect(), tail: None }
}

pub fn let_(slot: u32, value: Expr) -> StmtKind {
    StmtKind::Let { local: LocalId(slot), value }
}

pub fn expr(x: Expr) -> StmtKind {
    StmtKind::Expr(x)
}

pub fn func(name: &str, params: Vec<Ty>, ret: Ty, body: Expr, num_locals: u32) -> Function {
    Function {
        name: name.into(),
        module: "main".into(),
        params: params.into_iter().enumerate().map(|(i, ty)| Param { name: format!("p{i}"), ty, span: sp(0, 0) }).collect(),
        ret,
        body,
        num_locals,
        docs: String::new(),
        span: sp(0, 0),
        name_span: sp(0, 0),
    }
}

/// A program whose natives are the given qualified names (native `i` is `names[i]`).
pub fn program(functions: Vec<Function>, natives: &[&str]) -> Program {
    let main = functions.iter().position(|f| f.name == "main").map(|i| FnId(i as u32));
    Program {
        functions,
        natives: natives
            .iter()
            .map(|name| {
                let (module, fn_name) = name.split_once('.').unwrap();
                NativeFn {
                    name: name.to_string(),
                    module: module.into(),
                    fn_name: fn_name.into(),
                    type_params: vec![],
                    params: vec![],
                    ret: Ty::Unit,
                    docs: String::new(),
                    span: sp(0, 0),
                }
            })
            .collect(),
        main,
        ..Program::default()
    }
}

/// A `Write` whose bytes the test can read after the run.
#[derive(Clone, Default)]
pub struct SharedOutput(pub Arc<Mutex<Vec<u8>>>);

impl Write for SharedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedOutput {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Options that capture standard output.
pub fn captured() -> (RunOptions, SharedOutput) {
    let out = SharedOutput::default();
    let options = RunOptions {
        args: vec![],
        fuzzy: Arc::new(Unbuilt),
        stdout: Box::new(out.clone()),
        stderr: Box::new(std::io::sink()),
        stdin: Box::new(std::io::empty()),
    };
    (options, out)
}

// The four benchmark programs, as the checker would produce them.

/// fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
/// fn main() { print(fib(N)) }
pub fn fib_program(n: i64) -> Program {
    let fib = func(
        "fib",
        vec![Ty::Int],
        Ty::Int,
        if_(
            cmp(CompareOp::Lt, ints(0), int(2)),
            ints(0),
            iop(
                ArithOp::Add,
                call(0, vec![iop(ArithOp::Sub, ints(0), int(1))], Ty::Int),
                call(0, vec![iop(ArithOp::Sub, ints(0), int(2))], Ty::Int),
            ),
        ),
        1,
    );
    let main = func("main", vec![], Ty::Unit, block(vec![expr(native(0, vec![call(0, vec![int(n)], Ty::Int)], Ty::Unit))], None), 0);
    program(vec![fib, main], &["prelude.print"])
}

/// let mut s = ""; for i in 0..N { s += "line {i}\n"; } print(s.len())
pub fn string_build_program(n: i64) -> Program {
    let interp = e(ExprKind::Interpolate(vec![string("line "), ints(1), string("\n")]), Ty::Str);
    let main = func(
        "main",
        vec![],
        Ty::Unit,
        block(
            vec![
                let_(0, string("")),
                StmtKind::ForRange {
                    var: LocalId(1),
                    start: int(0),
                    end: int(n),
                    body: body(vec![StmtKind::Assign {
                        place: Place::Local(LocalId(0)),
                        op: Some(BinaryOp::StrConcat),
                        value: interp,
                    }]),
                },
                expr(native(0, vec![native(1, vec![local(0, Ty::Str)], Ty::Int)], Ty::Unit)),
            ],
            None,
        ),
        2,
    );
    program(vec![main], &["prelude.print", "text.len"])
}

/// let mut xs = []; let mut x = 12345; for i in 0..N { x = (x * 1103515245 + 12345) % 2147483648; xs.push(x) }
/// let sorted = xs.sort(); print(sorted[0]); print(sorted[N - 1])
pub fn sort_program(n: i64) -> Program {
    let list = Ty::List(Box::new(Ty::Int));
    let main = func(
        "main",
        vec![],
        Ty::Unit,
        block(
            vec![
                let_(0, e(ExprKind::List(vec![]), list.clone())),
                let_(1, int(12345)),
                StmtKind::ForRange {
                    var: LocalId(2),
                    start: int(0),
                    end: int(n),
                    body: body(vec![
                        StmtKind::Assign {
                            place: Place::Local(LocalId(1)),
                            op: None,
                            value: iop(
                                ArithOp::Rem,
                                iop(ArithOp::Add, iop(ArithOp::Mul, ints(1), int(1103515245)), int(12345)),
                                int(2147483648),
                            ),
                        },
                        expr(native(1, vec![local(0, list.clone()), ints(1)], Ty::Unit)),
                    ]),
                },
                let_(3, native(2, vec![local(0, list.clone())], list.clone())),
                expr(native(0, vec![index_list(local(3, list.clone()), int(0))], Ty::Unit)),
                expr(native(0, vec![index_list(local(3, list.clone()), int(n - 1))], Ty::Unit)),
            ],
            None,
        ),
        4,
    );
    program(vec![main], &["prelude.print", "list.push", "list.sort"])
}

pub fn index_list(base: Expr, i: Expr) -> Expr {
    e(ExprKind::Index { base: Box::new(base), index: Box::new(i), kind: IndexKind::List }, Ty::Int)
}

/// let counts = dict.new(); for line in io.read_lines(PATH) { for w in line.split("") {
///     counts[w] = (counts.get(w) ?? 0) + 1; } }  print(counts.len()); print(counts["the"])
pub fn word_count_program(path: &str) -> Program {
    let strs = Ty::List(Box::new(Ty::Str));
    let dict = Ty::Dict(Box::new(Ty::Str), Box::new(Ty::Int));
    let d = || local(0, dict.clone());
    let w = || local(2, Ty::Str);
    let count = e(
        ExprKind::Coalesce(Box::new(native(4, vec![d(), w()], Ty::Optional(Box::new(Ty::Int)))), Box::new(int(0))),
        Ty::Int,
    );
    let main = func(
        "main",
        vec![],
        Ty::Unit,
        block(
            vec![
                let_(0, native(1, vec![], dict.clone())),
                StmtKind::ForList {
                    var: LocalId(1),
                    list: native(2, vec![string(path)], strs.clone()),
                    body: body(vec![StmtKind::ForList {
                        var: LocalId(2),
                        list: native(3, vec![local(1, Ty::Str), string("")], strs.clone()),
                        body: body(vec![StmtKind::Assign {
                            place: Place::Index { base: d(), index: w(), kind: IndexKind::Dict },
                            op: None,
                            value: iop(ArithOp::Add, count, int(1)),
                        }]),
                    }]),
                },
                expr(native(0, vec![native(5, vec![d()], Ty::Int)], Ty::Unit)),
                expr(native(
                    0,
                    vec![e(ExprKind::Index { base: Box::new(d()), index: Box::new(string("the")), kind: IndexKind::Dict }, Ty::Int)],
                    Ty::Unit,
                )),
            ],
            None,
        ),
        3,
    );
    program(vec![main], &["prelude.print", "dict.new", "io.read_lines", "text.split", "dict.get", "dict.len"])
}
