//! The syntax tree of one `.pw` file, as written (no names resolved, no types inferred).
//!
//! Every node carries the [`Span`] of the source it came from. Nodes that could not be parsed are `Error`
//! variants: they cover the skipped source and have already been reported as a diagnostic.

use paw_diagnostics::Span;

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// The `///` lines directly above a declaration. `text` excludes the `///` and one following space.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Docs {
    pub lines: Vec<DocLine>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocLine {
    pub text: String,
    /// The span of the text after `///` (so a diagnostic about an example points into the line).
    pub span: Span,
}

impl Docs {
    /// The docs as one string, lines joined with `\n`.
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SourceFile {
    pub items: Vec<Item>,
    /// Every `//` comment, in source order, for the formatter (docs are attached to their items instead).
    pub comments: Vec<Comment>,
    pub span: Span,
}

/// A `//` comment (not a `///` doc line). `text` includes the leading `//`.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Use(UseDecl),
    Fn(FnDecl),
    Fuzzy(FuzzyFnDecl),
    Struct(StructDecl),
    Enum(EnumDecl),
    Test(TestDecl),
    /// Source between items that could not be parsed as an item.
    Error(Span),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(d) => d.span,
            Item::Fn(d) => d.span,
            Item::Fuzzy(d) => d.span,
            Item::Struct(d) => d.span,
            Item::Enum(d) => d.span,
            Item::Test(d) => d.span,
            Item::Error(span) => *span,
        }
    }
}

/// `use std.text` or `use helpers`: makes a module's items reachable as `text.len(..)` / `helpers.f(..)`.
#[derive(Clone, Debug, PartialEq)]
pub struct UseDecl {
    /// `["std", "text"]`; the last segment is the name the module is known by in this file.
    pub path: Vec<Ident>,
    pub span: Span,
}

/// `fn name(params) -> Ret { body }`, or in the standard library `native fn name[T](params) -> Ret`
/// (no body: implemented in Rust by the runtime; only natives may have type parameters).
#[derive(Clone, Debug, PartialEq)]
pub struct FnDecl {
    pub docs: Docs,
    pub is_native: bool,
    pub name: Ident,
    pub type_params: Vec<Ident>,
    pub params: Vec<Param>,
    /// `None` means the function returns nothing (the unit type).
    pub ret: Option<TypeExpr>,
    /// `None` exactly for `native fn`.
    pub body: Option<Block>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `fuzzy fn name(params) -> Ret` with no body: the docstring is the specification.
#[derive(Clone, Debug, PartialEq)]
pub struct FuzzyFnDecl {
    pub docs: Docs,
    pub name: Ident,
    pub params: Vec<Param>,
    /// Required by the checker; kept optional so a missing one is a diagnostic, not a parse failure.
    pub ret: Option<TypeExpr>,
    /// The docstring without its examples: the natural-language description.
    pub description: String,
    /// The `/// >>> name(args)` lines and the expected value on the line after each.
    pub examples: Vec<Example>,
    pub span: Span,
}

/// One doctest-style example of a fuzzy fn: `/// >>> f("a", 2)` then `/// true`.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// The function named in the example (the checker verifies it is the declaring function).
    pub callee: Ident,
    pub args: Vec<ValueLit>,
    pub expected: ValueLit,
    /// The whole `>>>` line's text span.
    pub call_span: Span,
}

/// A literal value as written in a docstring example (and in `cases.jsonl`-like data): the checker types it
/// against the signature, so a bare word may be an enum variant and `{..}` may be a struct or a `json` object.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueLit {
    pub kind: ValueLitKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueLitKind {
    /// A JSON-escaped double-quoted string, unescaped.
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// `null` or `none`.
    Null,
    /// A bare word: an enum variant.
    Word(String),
    List(Vec<ValueLit>),
    /// `{cron: "x"}` or `{"cron": "x"}`: keys as written (unquoted), in order.
    Object(Vec<(Ident, ValueLit)>),
    /// Text that is not a valid literal; already reported.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructDecl {
    pub docs: Docs,
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub docs: Docs,
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    pub docs: Docs,
    pub name: Ident,
    pub variants: Vec<VariantDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VariantDecl {
    pub docs: Docs,
    pub name: Ident,
    pub span: Span,
}

/// `test "name" { ... }`, run by `pawc test`.
#[derive(Clone, Debug, PartialEq)]
pub struct TestDecl {
    pub name: String,
    pub name_span: Span,
    pub body: Block,
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    /// `int`, `Point`, `list[str]`, `dict[str, int]`, `shapes.Point`.
    Named {
        path: Vec<Ident>,
        args: Vec<TypeExpr>,
        span: Span,
    },
    /// `T?`
    Optional {
        inner: Box<TypeExpr>,
        span: Span,
    },
    /// `fn(int, str) -> bool`; `ret: None` means unit.
    Fn {
        params: Vec<TypeExpr>,
        ret: Option<Box<TypeExpr>>,
        span: Span,
    },
    Error(Span),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named { span, .. } | TypeExpr::Optional { span, .. } | TypeExpr::Fn { span, .. } => *span,
            TypeExpr::Error(span) => *span,
        }
    }
}

/// `{ stmt; stmt; tail }`: the block's value is `tail` if present, otherwise the value of a final
/// block-like statement without `;` (an `if`/`match` used as the last thing in a block), otherwise unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `let x = e;`, `let mut x: T = e;`
    Let {
        name: Ident,
        mutable: bool,
        ty: Option<TypeExpr>,
        value: Expr,
    },
    /// `place = e;`, `place += e;` where place is a local, `a.field` or `a[i]`.
    Assign {
        target: Expr,
        op: AssignOp,
        value: Expr,
    },
    /// An expression statement; `semi` is false only for block-like expressions (`if`, `match`, blocks).
    Expr {
        expr: Expr,
        semi: bool,
    },
    Return(Option<Expr>),
    Break,
    Continue,
    While {
        cond: Expr,
        body: Block,
    },
    /// `for x in list { }` or `for i in 0..n { }`
    For {
        var: Ident,
        iter: Expr,
        body: Block,
    },
    /// A statement that could not be parsed; already reported.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Bool(bool),
    /// The empty optional.
    None,
    /// A string literal; interpolations `{expr}` are parsed expressions.
    Str(Vec<StrPart>),
    /// A bare name: a local, a function, a module, a type.
    Name(Ident),
    /// `[a, b, c]`
    List(Vec<Expr>),
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `f(a, b)`, `x.method(a)` (callee is a `Field`), `Point(x: 1, y: 2)` (labelled arguments).
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    /// `a.b`: a struct field, a module member, an enum variant (`Color.red`), or a method when called.
    Field {
        base: Box<Expr>,
        name: Ident,
    },
    /// `a[i]`
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// `|x, y: int| body`
    Lambda {
        params: Vec<LambdaParam>,
        body: Box<Expr>,
    },
    /// `if c { } else if d { } else { }`; `else_` is a `Block` or another `If`.
    If {
        cond: Box<Expr>,
        then: Block,
        else_: Option<Box<Expr>>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    Block(Block),
    /// `start..end`, end exclusive.
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
    },
    /// `(e)`, kept so the formatter preserves the user's parentheses.
    Paren(Box<Expr>),
    /// An expression that could not be parsed; already reported.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Lit(String),
    Interp(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// `Some` for `name: value` (struct construction).
    pub label: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LambdaParam {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    /// `opt ?? default`
    Coalesce,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
            BinaryOp::Coalesce => "??",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PatternKind {
    /// `_`
    Wildcard,
    /// A bare name: an enum variant when matching an enum, otherwise a binding that matches anything.
    Name(Ident),
    /// `Color.red`
    Path(Vec<Ident>),
    /// `some(p)`
    Some(Box<Pattern>),
    /// `none`
    None,
    Int(i64),
    /// `-3` is `Int(-3)`.
    Float(f64),
    Str(String),
    Bool(bool),
    Error,
}
