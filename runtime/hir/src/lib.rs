//! The checked program ("HIR"): every name resolved, every expression typed, every operator chosen by type.
//!
//! This is what the executor runs and what a native backend compiles, so it is shaped for execution:
//! locals are slot indices in a per-function frame, calls name their target directly, method calls are plain
//! calls, implicit `T → T?` coercions are explicit [`ExprKind::WrapSome`] nodes, struct fields and enum variants
//! are indices. Names, docs and spans are kept for messages, stack traces and the build system.
//!
//! A [`Program`] returned with no error diagnostics contains no [`Ty::Error`], [`Ty::Infer`] or
//! [`ExprKind::Error`]; one returned with errors may, and must not be run.

use paw_diagnostics::Span;

pub mod visit;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(/// Index into [`Program::functions`].
    FnId);
id_type!(/// Index into [`Program::natives`].
    NativeId);
id_type!(/// Index into [`Program::fuzzy`].
    FuzzyId);
id_type!(/// Index into [`Program::structs`].
    StructId);
id_type!(/// Index into [`Program::enums`].
    EnumId);
id_type!(/// A slot in the frame of the function, closure or test being run (see `num_locals`).
    LocalId);
id_type!(/// A type variable of the checker's inference; never present in a program without errors.
    TyVar);

/// The whole checked program: every module's items, flattened into tables addressed by typed ids.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub functions: Vec<Function>,
    pub natives: Vec<NativeFn>,
    pub fuzzy: Vec<FuzzyFn>,
    pub structs: Vec<StructDef>,
    pub enums: Vec<EnumDef>,
    pub tests: Vec<TestDef>,
    /// `fn main()` of the module `main`, if declared (with no parameters).
    pub main: Option<FnId>,
}

impl Program {
    pub fn function(&self, id: FnId) -> &Function {
        &self.functions[id.index()]
    }

    pub fn native(&self, id: NativeId) -> &NativeFn {
        &self.natives[id.index()]
    }

    pub fn fuzzy_fn(&self, id: FuzzyId) -> &FuzzyFn {
        &self.fuzzy[id.index()]
    }

    pub fn struct_def(&self, id: StructId) -> &StructDef {
        &self.structs[id.index()]
    }

    pub fn enum_def(&self, id: EnumId) -> &EnumDef {
        &self.enums[id.index()]
    }
}

/// A type, fully resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Int,
    Float,
    Bool,
    Str,
    Json,
    Unit,
    List(Box<Ty>),
    Dict(Box<Ty>, Box<Ty>),
    Optional(Box<Ty>),
    Struct(StructId),
    Enum(EnumId),
    Fn(Vec<Ty>, Box<Ty>),
    /// The type of expressions that never produce a value: `return`, `break`, `continue`, `panic(..)`.
    Never,
    /// A type parameter of a generic native (`T` in `native fn len[T](xs: list[T])`), by position in
    /// [`NativeFn::type_params`]. Only in native signatures; calls are checked with it instantiated.
    Param(u32),
    /// Unknown because of an error already reported.
    Error,
    /// Internal to the checker (an inference variable); never in a returned [`Program`].
    Infer(TyVar),
}

impl Ty {
    /// The type as users write it: `list[int]`, `Point`, `str?`, `fn(int) -> bool`.
    pub fn display(&self, program: &Program) -> String {
        self.display_with(&|id| program.struct_def(id).name.clone(), &|id| {
            program.enum_def(id).name.clone()
        })
    }

    /// Like [`Ty::display`], with the struct and enum names supplied by the caller (the checker, while the
    /// program is still being built).
    pub fn display_with(
        &self,
        struct_name: &dyn Fn(StructId) -> String,
        enum_name: &dyn Fn(EnumId) -> String,
    ) -> String {
        let show = |t: &Ty| t.display_with(struct_name, enum_name);
        match self {
            Ty::Int => "int".into(),
            Ty::Float => "float".into(),
            Ty::Bool => "bool".into(),
            Ty::Str => "str".into(),
            Ty::Json => "json".into(),
            Ty::Unit => "()".into(),
            Ty::List(t) => format!("list[{}]", show(t)),
            Ty::Dict(k, v) => format!("dict[{}, {}]", show(k), show(v)),
            Ty::Optional(t) => format!("{}?", show(t)),
            Ty::Struct(id) => struct_name(*id),
            Ty::Enum(id) => enum_name(*id),
            Ty::Fn(params, ret) => {
                let params = params.iter().map(show).collect::<Vec<_>>().join(", ");
                match **ret {
                    Ty::Unit => format!("fn({params})"),
                    ref r => format!("fn({params}) -> {}", show(r)),
                }
            }
            Ty::Never => "never".into(),
            Ty::Param(i) => format!("T{i}"),
            Ty::Error | Ty::Infer(_) => "_".into(),
        }
    }
}

/// A function with a body. Its parameters are locals `0..params.len()` of its frame.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    /// The module that declares it (`main`, `helpers`, `std.text`).
    pub module: String,
    pub params: Vec<Param>,
    pub ret: Ty,
    pub body: Expr,
    /// Frame size: parameters plus every `let`, `for` variable and pattern binding of the body.
    pub num_locals: u32,
    pub docs: String,
    pub span: Span,
    pub name_span: Span,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub ty: Ty,
    pub span: Span,
}

/// A `native fn` of the standard library, implemented by the runtime under [`NativeFn::name`].
#[derive(Clone, Debug)]
pub struct NativeFn {
    /// Qualified name: `"text.len"`, `"prelude.print"`, `"io.read_file"`.
    pub name: String,
    /// The standard module without `std.`: `"text"`, `"prelude"`.
    pub module: String,
    /// The name without the module: `"len"`.
    pub fn_name: String,
    pub type_params: Vec<String>,
    /// Parameter types may mention [`Ty::Param`].
    pub params: Vec<Param>,
    pub ret: Ty,
    pub docs: String,
    pub span: Span,
}

/// A `fuzzy fn`: a typed signature answered by the model; the build system derives its spec from this.
#[derive(Clone, Debug)]
pub struct FuzzyFn {
    pub name: String,
    pub module: String,
    pub params: Vec<Param>,
    pub ret: Ty,
    /// The whole docstring.
    pub docs: String,
    /// The docstring without its examples.
    pub description: String,
    pub examples: Vec<FuzzyExample>,
    pub span: Span,
    pub name_span: Span,
}

/// One checked `>>> f(args)` example with its expected value.
#[derive(Clone, Debug)]
pub struct FuzzyExample {
    /// One value per parameter, typed by the parameter.
    pub args: Vec<ConstValue>,
    /// Typed by the return type.
    pub expected: ConstValue,
    /// The `>>>` line.
    pub call_span: Span,
    /// The expected value's line.
    pub expected_span: Span,
}

/// A constant value of a known type (from a docstring example). At an optional type `T?`, a present value is
/// written as the `T` value itself and an empty one as [`ConstValue::None`].
#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    None,
    Variant(EnumId, u32),
    List(Vec<ConstValue>),
    /// Field values in declaration order.
    Struct(StructId, Vec<ConstValue>),
    /// A value of type `json`.
    Json(serde_json::Value),
}

#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    pub module: String,
    pub docs: String,
    pub fields: Vec<FieldDef>,
    pub span: Span,
    pub name_span: Span,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub ty: Ty,
    pub docs: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: String,
    pub module: String,
    pub docs: String,
    pub variants: Vec<VariantDef>,
    pub span: Span,
    pub name_span: Span,
}

#[derive(Clone, Debug)]
pub struct VariantDef {
    pub name: String,
    pub docs: String,
    pub span: Span,
}

/// A `test "name" { .. }` block: run like a function with no parameters.
#[derive(Clone, Debug)]
pub struct TestDef {
    pub name: String,
    pub module: String,
    pub body: Expr,
    pub num_locals: u32,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Unit,
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// The empty optional.
    None,
    /// A present optional: `T → T?`, made explicit wherever a `T` is used as a `T?`.
    WrapSome(Box<Expr>),
    Local(LocalId),
    /// A named function used as a value (not called directly).
    FnRef(FnId),
    NativeRef(NativeId),
    FuzzyRef(FuzzyId),
    List(Vec<Expr>),
    /// `start..end` as a value: a `list[int]` (a `for` over a range uses [`StmtKind::ForRange`] instead).
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
    },
    /// String interpolation: each part converted to text with the prelude's `to_str` semantics (a `str` part
    /// as is), then joined.
    Interpolate(Vec<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// Short-circuit `&&`.
    And(Box<Expr>, Box<Expr>),
    /// Short-circuit `||`.
    Or(Box<Expr>, Box<Expr>),
    /// `opt ?? default`: `opt` is optional; `default` is evaluated only when `opt` is empty.
    Coalesce(Box<Expr>, Box<Expr>),
    Call {
        callee: Callee,
        args: Vec<Expr>,
    },
    /// Struct construction; `fields` in declaration order (evaluated in that order).
    StructNew {
        id: StructId,
        fields: Vec<Expr>,
    },
    /// An enum value: the variant's index in [`EnumDef::variants`].
    Variant {
        id: EnumId,
        index: u32,
    },
    /// A struct field, by its index in [`StructDef::fields`].
    Field {
        base: Box<Expr>,
        index: u32,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
        kind: IndexKind,
    },
    Closure(Box<Closure>),
    /// `if` with no `else` has type unit.
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        else_: Option<Box<Expr>>,
    },
    /// Arms are tried in order; the checker guarantees one matches (exhaustiveness).
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    Block(Block),
    /// Reported already; never executed in a program without errors.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    NegInt,
    NegFloat,
    Not,
}

/// A binary operator, chosen by the operand types (both operands have the same type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Int(ArithOp),
    Float(ArithOp),
    /// `str + str`.
    StrConcat,
    /// `list + list`: a new list.
    ListConcat,
    /// Structural equality at the operands' type (never function types).
    Eq,
    Ne,
    Compare(CompareOp, OrderedTy),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    /// `int / int` truncates; dividing by zero is a runtime error.
    Div,
    Rem,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Lt,
    Le,
    Gt,
    Ge,
}

/// The types with an ordering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderedTy {
    Int,
    Float,
    Str,
}

#[derive(Clone, Debug)]
pub enum Callee {
    Fn(FnId),
    Native(NativeId),
    Fuzzy(FuzzyId),
    /// A closure or function value (of a `Ty::Fn` type).
    Value(Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    /// `list[int]`; out of range is a runtime error.
    List,
    /// `dict[K, V]`; a missing key is a runtime error.
    Dict,
    /// `json` by `str` (object field) or `int` (array element); result `json`.
    Json,
}

/// A closure: its own frame of `num_locals` slots. Parameters are slots `0..params.len()`; each capture
/// copies an outer slot (by value, when the closure is created) into an inner slot.
#[derive(Clone, Debug)]
pub struct Closure {
    pub params: Vec<Param>,
    pub captures: Vec<Capture>,
    pub body: Expr,
    pub num_locals: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capture {
    /// The slot in the enclosing frame.
    pub outer: LocalId,
    /// The slot in the closure's frame.
    pub inner: LocalId,
}

#[derive(Clone, Debug)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Pattern {
    Wildcard,
    /// Matches anything and stores it in a slot.
    Bind(LocalId),
    Variant {
        id: EnumId,
        index: u32,
    },
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    /// A present optional whose value matches the inner pattern.
    Some(Box<Pattern>),
    None,
}

/// `{ stmts; tail }`: the value is `tail`'s, or unit without one.
#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<Expr>>,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    Let {
        local: LocalId,
        value: Expr,
    },
    /// `place = value`, or with `op` the compound `place op= value` (the place is evaluated once).
    Assign {
        place: Place,
        op: Option<BinaryOp>,
        value: Expr,
    },
    Expr(Expr),
    While {
        cond: Expr,
        body: Block,
    },
    /// `for var in list { }`: iterates over a snapshot of the list's elements at loop start.
    ForList {
        var: LocalId,
        list: Expr,
        body: Block,
    },
    /// `for var in start..end { }`: `start` and `end` are evaluated once; no list is built.
    ForRange {
        var: LocalId,
        start: Expr,
        end: Expr,
        body: Block,
    },
    /// `return;` carries `None` (the function returns unit).
    Return(Option<Expr>),
    Break,
    Continue,
}

#[derive(Clone, Debug)]
pub enum Place {
    Local(LocalId),
    Field { base: Expr, index: u32 },
    Index { base: Expr, index: Expr, kind: IndexKind },
}
