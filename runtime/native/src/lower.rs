//! HIR → IR. Decides, per function, whether native code supports it: a function that uses a construct or a
//! value kind the backend does not compile yet is rejected with the reason, and runs in the reference
//! executor instead.

use paw_check::hir::{self, BinaryOp, Callee, CompareOp, ExprKind, OrderedTy, Pattern, Place, StmtKind, Ty, UnaryOp};
use paw_diagnostics::Span;

use crate::ir::{Cmp, Const, Func, Node, Rep, Site, SiteId, SiteKind};

/// Why a function is not compiled: shown by the native report.
pub type Unsupported = String;

/// Lowers functions one by one; the call sites of all of them share one table.
pub struct Lowerer<'p> {
    program: &'p hir::Program,
    pub sites: Vec<Site<'p>>,
}

/// The state of one function being lowered.
struct FnLowering {
    locals: Vec<Rep>,
}

type Lowered = Result<Node, Unsupported>;

/// The representation of a value of type `ty`, if native code holds it in a register.
pub fn rep_of(ty: &Ty, program: &hir::Program) -> Result<Rep, Unsupported> {
    match ty {
        Ty::Int | Ty::Enum(_) => Ok(Rep::Int),
        Ty::Float => Ok(Rep::Float),
        Ty::Bool => Ok(Rep::Bool),
        Ty::Unit | Ty::Never => Ok(Rep::Unit),
        other => Err(format!("uses a value of type `{}`", other.display(program))),
    }
}

impl<'p> Lowerer<'p> {
    pub fn new(program: &'p hir::Program) -> Lowerer<'p> {
        Lowerer { program, sites: Vec::new() }
    }

    /// Lowers function `f`, or says why native code does not support it. Sites added for a rejected
    /// function stay in the table unused.
    pub fn function(&mut self, f: &'p hir::Function) -> Result<Func, Unsupported> {
        let params = f.params.iter().map(|p| self.rep(&p.ty)).collect::<Result<Vec<_>, _>>()?;
        let ret = self.rep(&f.ret)?;
        let mut state = FnLowering { locals: vec![Rep::Unit; f.num_locals as usize] };
        for (slot, rep) in params.iter().enumerate() {
            state.locals[slot] = *rep;
        }
        let body = self.expr(&mut state, &f.body)?;
        Ok(Func { params, ret, locals: state.locals, body })
    }

    fn rep(&self, ty: &Ty) -> Result<Rep, Unsupported> {
        rep_of(ty, self.program)
    }

    fn site(&mut self, span: Span, kind: SiteKind<'p>) -> SiteId {
        self.sites.push(Site { span, kind });
        SiteId(self.sites.len() as u32 - 1)
    }

    fn boxed(&mut self, st: &mut FnLowering, e: &'p hir::Expr) -> Result<Box<Node>, Unsupported> {
        self.expr(st, e).map(Box::new)
    }

    fn expr(&mut self, st: &mut FnLowering, e: &'p hir::Expr) -> Lowered {
        let rep = self.rep(&e.ty)?;
        Ok(match &e.kind {
            ExprKind::Unit => Node::Const(Const::Unit),
            ExprKind::Int(i) => Node::Const(Const::Int(*i)),
            ExprKind::Float(f) => Node::Const(Const::Float(*f)),
            ExprKind::Bool(b) => Node::Const(Const::Bool(*b)),
            ExprKind::Variant { index, .. } => Node::Const(Const::Int(i64::from(*index))),
            ExprKind::Local(id) => Node::Local(id.0),
            ExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = (self.boxed(st, lhs)?, self.boxed(st, rhs)?);
                let operand = self.rep(&lhs.ty)?;
                self.binary(*op, operand, l, r, e.span)?
            }
            ExprKind::Unary { op, operand } => {
                let x = self.boxed(st, operand)?;
                match op {
                    UnaryOp::NegInt => Node::NegInt(x, self.site(e.span, SiteKind::Unary(*op))),
                    UnaryOp::NegFloat => Node::NegFloat(x),
                    UnaryOp::Not => Node::Not(x),
                }
            }
            ExprKind::And(a, b) => Node::And(self.boxed(st, a)?, self.boxed(st, b)?),
            ExprKind::Or(a, b) => Node::Or(self.boxed(st, a)?, self.boxed(st, b)?),
            ExprKind::If { cond, then, else_ } => Node::If {
                cond: self.boxed(st, cond)?,
                then: self.boxed(st, then)?,
                else_: match else_ {
                    Some(x) => self.boxed(st, x)?,
                    None => Box::new(Node::Const(Const::Unit)),
                },
                rep,
            },
            ExprKind::Block(block) => self.block(st, block)?,
            ExprKind::Match { scrutinee, arms } => self.match_(st, scrutinee, arms, rep)?,
            ExprKind::Call { callee, args } => self.call(st, callee, args, e, rep)?,
            // Every other expression has a value kind that `rep` rejected above.
            _ => return Err("uses an expression the backend does not compile".into()),
        })
    }

    fn binary(&mut self, op: BinaryOp, operand: Rep, lhs: Box<Node>, rhs: Box<Node>, span: Span) -> Lowered {
        Ok(match op {
            BinaryOp::Int(a) => Node::IntOp { op: a, lhs, rhs, site: self.site(span, SiteKind::Binary(op)) },
            BinaryOp::Float(a) => Node::FloatOp { op: a, lhs, rhs, site: self.site(span, SiteKind::Binary(op)) },
            BinaryOp::Eq | BinaryOp::Ne if operand == Rep::Unit => return Err("compares unit values".into()),
            BinaryOp::Eq => Node::Cmp { op: Cmp::Eq, rep: operand, lhs, rhs },
            BinaryOp::Ne => Node::Cmp { op: Cmp::Ne, rep: operand, lhs, rhs },
            BinaryOp::Compare(c, OrderedTy::Int | OrderedTy::Float) => {
                let op = match c {
                    CompareOp::Lt => Cmp::Lt,
                    CompareOp::Le => Cmp::Le,
                    CompareOp::Gt => Cmp::Gt,
                    CompareOp::Ge => Cmp::Ge,
                };
                Node::Cmp { op, rep: operand, lhs, rhs }
            }
            BinaryOp::Compare(_, OrderedTy::Str) | BinaryOp::StrConcat | BinaryOp::ListConcat => {
                return Err(format!("uses the operator {op:?} on values that are not numbers"))
            }
        })
    }

    fn block(&mut self, st: &mut FnLowering, block: &'p hir::Block) -> Lowered {
        let stmts = block.stmts.iter().map(|s| self.stmt(st, s)).collect::<Result<Vec<_>, _>>()?;
        let tail = match &block.tail {
            Some(t) => Some(self.boxed(st, t)?),
            None => None,
        };
        Ok(Node::Block(stmts, tail))
    }

    fn stmt(&mut self, st: &mut FnLowering, stmt: &'p hir::Stmt) -> Lowered {
        Ok(match &stmt.kind {
            StmtKind::Expr(e) => self.expr(st, e)?,
            StmtKind::Let { local, value } => {
                st.locals[local.index()] = self.rep(&value.ty)?;
                Node::Set(local.0, self.boxed(st, value)?)
            }
            StmtKind::Assign { place: Place::Local(slot), op, value } => {
                let rhs = self.boxed(st, value)?;
                let value = match op {
                    None => rhs,
                    // `x op= v`: like the reference executor, `v` first, then `x`, errors at the statement.
                    Some(op) => {
                        let operand = self.rep(&value.ty)?;
                        let tmp = self.temp(st, operand);
                        let compute = self.binary(*op, operand, Box::new(Node::Local(slot.0)), Box::new(Node::Local(tmp)), stmt.span)?;
                        Box::new(Node::Block(vec![Node::Set(tmp, rhs)], Some(Box::new(compute))))
                    }
                };
                Node::Set(slot.0, value)
            }
            StmtKind::Assign { .. } => return Err("assigns to a field or an element".into()),
            StmtKind::While { cond, body } => Node::While { cond: self.boxed(st, cond)?, body: Box::new(self.block(st, body)?) },
            StmtKind::ForRange { var, start, end, body } => {
                st.locals[var.index()] = Rep::Int;
                Node::ForRange {
                    var: var.0,
                    start: self.boxed(st, start)?,
                    end: self.boxed(st, end)?,
                    body: Box::new(self.block(st, body)?),
                }
            }
            StmtKind::ForList { .. } => return Err("iterates over a list".into()),
            StmtKind::Return(value) => Node::Return(match value {
                Some(v) => self.boxed(st, v)?,
                None => Box::new(Node::Const(Const::Unit)),
            }),
            StmtKind::Break => Node::Break,
            StmtKind::Continue => Node::Continue,
        })
    }

    /// A fresh local of the function, for a value computed once and read later.
    fn temp(&mut self, st: &mut FnLowering, rep: Rep) -> u32 {
        st.locals.push(rep);
        st.locals.len() as u32 - 1
    }

    /// `match` as a chain of `if`s over a temporary holding the scrutinee. The last arm needs no test: the
    /// checker guarantees that some arm matches.
    fn match_(&mut self, st: &mut FnLowering, scrutinee: &'p hir::Expr, arms: &'p [hir::MatchArm], rep: Rep) -> Lowered {
        let scrutinee_rep = self.rep(&scrutinee.ty)?;
        let tmp = self.temp(st, scrutinee_rep);
        let init = Node::Set(tmp, self.boxed(st, scrutinee)?);
        let mut chain: Option<Node> = None;
        for arm in arms.iter().rev() {
            let body = self.expr(st, &arm.body)?;
            let (cond, bindings) = self.pattern(st, &arm.pattern, tmp, scrutinee_rep)?;
            chain = Some(match chain {
                None => Node::Block(bindings, Some(Box::new(body))),
                Some(rest) => Node::If {
                    cond: Box::new(Node::Block(bindings, Some(Box::new(cond)))),
                    then: Box::new(body),
                    else_: Box::new(rest),
                    rep,
                },
            });
        }
        match chain {
            Some(chain) => Ok(Node::Block(vec![init], Some(Box::new(chain)))),
            None => Err("has a `match` without arms".into()),
        }
    }

    /// The test of `pattern` against the local `value`, and the stores of its bindings (done before the
    /// test; a pattern that binds always matches).
    fn pattern(&mut self, st: &mut FnLowering, pattern: &Pattern, value: u32, rep: Rep) -> Result<(Node, Vec<Node>), Unsupported> {
        let equals = |c: Const| Node::Cmp { op: Cmp::Eq, rep, lhs: Box::new(Node::Local(value)), rhs: Box::new(Node::Const(c)) };
        Ok(match pattern {
            Pattern::Wildcard => (Node::Const(Const::Bool(true)), Vec::new()),
            Pattern::Bind(slot) => {
                st.locals[slot.index()] = rep;
                (Node::Const(Const::Bool(true)), vec![Node::Set(slot.0, Box::new(Node::Local(value)))])
            }
            Pattern::Variant { index, .. } => (equals(Const::Int(i64::from(*index))), Vec::new()),
            Pattern::Int(i) => (equals(Const::Int(*i)), Vec::new()),
            Pattern::Float(f) => (equals(Const::Float(*f)), Vec::new()),
            Pattern::Bool(b) => (equals(Const::Bool(*b)), Vec::new()),
            Pattern::Str(_) | Pattern::Some(_) | Pattern::None => return Err("matches strings or optionals".into()),
        })
    }

    fn call(&mut self, st: &mut FnLowering, callee: &'p Callee, args: &'p [hir::Expr], e: &'p hir::Expr, ret: Rep) -> Lowered {
        let lowered = args.iter().map(|a| self.expr(st, a)).collect::<Result<Vec<_>, _>>()?;
        let arg_tys = args.iter().map(|a| a.ty.clone()).collect();
        let kind = match callee {
            Callee::Fn(id) => SiteKind::Call { callee: *id, args: arg_tys, ret: e.ty.clone() },
            Callee::Native(_) | Callee::Fuzzy(_) => SiteKind::Target { call: e, args: arg_tys, ret: e.ty.clone() },
            Callee::Value(_) => return Err("calls a function value".into()),
        };
        Ok(Node::Call { site: self.site(e.span, kind), args: lowered, ret })
    }
}

