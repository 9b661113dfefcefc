//! The backend's IR: a typed tree in machine terms, narrower than HIR.
//!
//! Every value is held in a register of one [`Rep`]; names, patterns, compound assignment and `match` are gone
//! (lowered to locals, comparisons and `if` chains). Everything that can fail or leave native code names a
//! [`SiteId`], whose [`Site`] keeps the span, the operand types and what happens there. Code generation is a
//! direct walk of this tree, so every decision about what native code supports is made once, in `lower`.

use paw_diagnostics::Span;
use paw_hir::{self as hir, ArithOp, FnId, IndexKind, StructId, Ty, UnaryOp};

/// How a value is held: an `int` or an enum variant's index in an `i64`, a `float` in an `f64`, a `bool` in a
/// byte (0 or 1); unit takes no register. Every other value (strings, lists, dicts, structs, optionals, `json`,
/// functions and closures) is a reference-counted `paw_runtime::Value` in a slot of the function's frame, and the register holds the
/// slot's address ([`Rep::Ref`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rep {
    Int,
    Float,
    Bool,
    Unit,
    Ref,
}

/// An index into the sites of the program being compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteId(pub u32);

/// Where native code may fail or leave: the source span for errors and traces, the types of the operands
/// passed (a [`Rep::Ref`] operand crosses as the address of its `Value`, a scalar as register bits), and what
/// happens there.
#[derive(Clone, Debug)]
pub struct Site<'p> {
    pub span: Span,
    pub args: Vec<Operand>,
    pub kind: SiteKind<'p>,
}

/// An operand's type, and whether it crosses as the address of a `Value` (decided once, while lowering).
#[derive(Clone, Debug)]
pub struct Operand {
    pub ty: Ty,
    pub by_ref: bool,
}

#[derive(Clone, Debug)]
pub enum SiteKind<'p> {
    /// An arithmetic operator whose slow path (overflow, division by zero) asks the reference executor.
    Binary(hir::BinaryOp),
    Unary(UnaryOp),
    /// A call of a plain function: direct when it is compiled too, through the reference executor otherwise.
    Call(FnId),
    /// A call of a native or fuzzy fn, through the reference executor.
    Target(&'p hir::Expr),
    /// A call of a function value (the first operand), through the reference executor.
    CallValue,
    /// A closure value: the executor knows its body; the operands are the captured values.
    Closure(&'p hir::Closure),
    /// The rest are operations on `Value`s, done by the runtime (`rt.rs`) with the reference executor's code.
    /// A binary operator on operands held as `Value`s (concatenation, equality, string order).
    ValueBinary(hir::BinaryOp),
    /// A scalar as a present optional.
    Wrap,
    /// A present optional's scalar.
    Unwrap,
    IsNone,
    /// `opt ?? default` with both operands evaluated.
    Coalesce,
    Interpolate,
    List,
    Range,
    Struct(StructId),
    Field(u32),
    Index(IndexKind),
    SetField(u32),
    SetIndex,
    /// `s += x` on strings: grows `s` in place when nothing else holds it.
    AppendStr,
    /// The list a `for` walks: the operand itself when nothing else holds it, a copy otherwise; `owned`
    /// when the operand is a temporary that may be taken.
    Snapshot {
        owned: bool,
    },
    ListLen,
    /// Moves element `i` out of a snapshot.
    TakeItem,
    /// Frees a temporary early (a `for` loop's snapshot).
    Clear,
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

/// Comparison operators; `Eq`/`Ne` on every scalar rep but unit, the ordering ones on ints and floats.
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
    /// Constant `n` of the program (a string literal, `none`, a function): the address of its `Value`, borrowed
    /// for the whole run.
    Constant(u32),
    /// A local's value; for a [`Rep::Ref`] local, its slot (borrowed: see [`Node::is_fresh`]).
    Local(u32),
    /// Stores into a local; unit. A `Value` is moved out of a fresh temporary, cloned from anything else.
    Set(u32, Box<Node>),
    /// Statements, then the tail's value (unit without one).
    Block(Vec<Node>, Option<Box<Node>>),
    IntOp {
        op: ArithOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
        site: SiteId,
    },
    FloatOp {
        op: ArithOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
        site: SiteId,
    },
    NegInt(Box<Node>, SiteId),
    NegFloat(Box<Node>),
    Not(Box<Node>),
    Cmp {
        op: Cmp,
        rep: Rep,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    /// Never of rep [`Rep::Ref`]: `lower` joins such branches in a temporary.
    If {
        cond: Box<Node>,
        then: Box<Node>,
        else_: Box<Node>,
        rep: Rep,
    },
    While {
        cond: Box<Node>,
        body: Box<Node>,
    },
    /// `for var in start..end`: both bounds evaluated once.
    ForRange {
        var: u32,
        start: Box<Node>,
        end: Box<Node>,
        body: Box<Node>,
    },
    Break,
    Continue,
    Return(Box<Node>),
    /// A call or a runtime operation; the site says which, and its operand types. A [`Rep::Ref`] result is
    /// written to `dest`: a temporary, or, for a node used only as a statement, a local.
    Call {
        site: SiteId,
        args: Vec<Node>,
        ret: Rep,
        dest: Option<u32>,
    },
}

impl Node {
    /// Whether the node's `Value` is in a temporary that nothing else reads, so a store may move it out.
    pub fn is_fresh(&self) -> bool {
        match self {
            Node::Call { dest: Some(_), .. } => true,
            Node::Block(_, Some(tail)) => tail.is_fresh(),
            _ => false,
        }
    }

    /// The local whose slot a [`Rep::Ref`] value of this node is (it borrows that slot rather than holding
    /// its own copy).
    pub fn borrowed_local(&self) -> Option<u32> {
        match self {
            Node::Local(i) => Some(*i),
            Node::Block(_, Some(tail)) => tail.borrowed_local(),
            _ => None,
        }
    }

    /// Whether evaluating the node may store into `local`.
    pub fn assigns(&self, local: u32) -> bool {
        let any = |nodes: &[&Node]| nodes.iter().any(|n| n.assigns(local));
        match self {
            Node::Const(_) | Node::Constant(_) | Node::Local(_) | Node::Break | Node::Continue => false,
            Node::Set(i, value) => *i == local || value.assigns(local),
            Node::Block(stmts, tail) => {
                stmts.iter().any(|s| s.assigns(local)) || tail.as_ref().is_some_and(|t| t.assigns(local))
            }
            Node::IntOp { lhs, rhs, .. } | Node::FloatOp { lhs, rhs, .. } | Node::Cmp { lhs, rhs, .. } => {
                any(&[lhs, rhs])
            }
            Node::And(a, b) | Node::Or(a, b) | Node::While { cond: a, body: b } => any(&[a, b]),
            Node::NegInt(x, _) | Node::NegFloat(x) | Node::Not(x) | Node::Return(x) => x.assigns(local),
            Node::If { cond, then, else_, .. } => any(&[cond, then, else_]),
            Node::ForRange { var, start, end, body } => *var == local || any(&[start, end, body]),
            Node::Call { args, dest, .. } => *dest == Some(local) || args.iter().any(|a| a.assigns(local)),
        }
    }
}
