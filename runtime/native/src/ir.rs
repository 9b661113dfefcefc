//! The backend's IR: a typed tree in machine terms, narrower than HIR.
//!
//! Every value is held in a register of one [`Rep`]; names, patterns, compound assignment and `match` are gone
//! (lowered to locals, comparisons and `if` chains). Everything that can fail or leave native code names a
//! [`SiteId`], whose [`Site`] keeps the span and target for errors and calls. Code generation is a direct walk
//! of this tree, so every decision about what native code supports is made once, in `lower`.

use paw_check::hir::{self, ArithOp, FnId, UnaryOp};
use paw_diagnostics::Span;

/// How a value is held: an `int` or an enum variant's index in an `i64`, a `float` in an `f64`, a `bool` in a
/// byte (0 or 1); unit takes no register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rep {
    Int,
    Float,
    Bool,
    Unit,
}

/// An index into [`Func::sites`] of the program being compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteId(pub u32);

/// Where native code may fail or leave: the source span for errors and traces, and what happens there.
#[derive(Clone, Debug)]
pub struct Site<'p> {
    pub span: Span,
    pub kind: SiteKind<'p>,
}

#[derive(Clone, Debug)]
pub enum SiteKind<'p> {
    /// An arithmetic operator whose slow path (overflow, division by zero) asks the reference executor.
    Binary(hir::BinaryOp),
    Unary(UnaryOp),
    /// A call of a plain function: direct when it is compiled too, through the reference executor otherwise.
    Call { callee: FnId, args: Vec<hir::Ty>, ret: hir::Ty },
    /// A call of a native or fuzzy fn, through the reference executor.
    Target { call: &'p hir::Expr, args: Vec<hir::Ty>, ret: hir::Ty },
}

/// One function, ready for code generation. Parameters are locals `0..params.len()`.
#[derive(Clone, Debug)]
pub struct Func {
    pub params: Vec<Rep>,
    pub ret: Rep,
    /// Every local's representation, temporaries of lowered `match`es included.
    pub locals: Vec<Rep>,
    pub body: Node,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Const {
    Int(i64),
    Float(f64),
    Bool(bool),
    Unit,
}

/// Comparison operators; `Eq`/`Ne` on every rep but unit, the ordering ones on ints and floats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug)]
pub enum Node {
    Const(Const),
    Local(u32),
    /// Stores into a local; unit.
    Set(u32, Box<Node>),
    /// Statements, then the tail's value (unit without one).
    Block(Vec<Node>, Option<Box<Node>>),
    IntOp { op: ArithOp, lhs: Box<Node>, rhs: Box<Node>, site: SiteId },
    FloatOp { op: ArithOp, lhs: Box<Node>, rhs: Box<Node>, site: SiteId },
    NegInt(Box<Node>, SiteId),
    NegFloat(Box<Node>),
    Not(Box<Node>),
    Cmp { op: Cmp, rep: Rep, lhs: Box<Node>, rhs: Box<Node> },
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    If { cond: Box<Node>, then: Box<Node>, else_: Box<Node>, rep: Rep },
    While { cond: Box<Node>, body: Box<Node> },
    /// `for var in start..end`: both bounds evaluated once.
    ForRange { var: u32, start: Box<Node>, end: Box<Node>, body: Box<Node> },
    Break,
    Continue,
    Return(Box<Node>),
    /// A call; the site says of what, and its argument types.
    Call { site: SiteId, args: Vec<Node>, ret: Rep },
}
