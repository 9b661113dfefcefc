//! HIR → IR. Decides, per function, whether native code supports it: a function that uses a construct or a
//! value kind the backend does not compile yet is rejected with the reason, and runs in the reference
//! executor instead.

use paw_diagnostics::Span;
use paw_hir::{self as hir, BinaryOp, Callee, CompareOp, ExprKind, OrderedTy, Pattern, Place, StmtKind, Ty, UnaryOp};
use paw_runtime::natives::NativeId;
use paw_runtime::Value;

use crate::ir::{Cmp, Const, Func, Node, Operand, Rep, Site, SiteId, SiteKind};

/// Why a function is not compiled: shown by the native report.
pub type Unsupported = String;

/// Lowers functions one by one; the sites and constants of all of them share one table each.
pub struct Lowerer<'p> {
    program: &'p hir::Program,
    pub sites: Vec<Site<'p>>,
    /// The values of [`Node::Constant`]s: string literals, `none`, functions.
    pub constants: Vec<Value>,
}

/// The state of one function being lowered.
struct FnLowering {
    locals: Vec<Rep>,
    /// The type of each local the function declares (closures capture locals by their types).
    types: Vec<Option<Ty>>,
}

impl FnLowering {
    fn declare(&mut self, local: u32, ty: &Ty, rep: Rep) {
        self.locals[local as usize] = rep;
        self.types[local as usize] = Some(ty.clone());
    }
}

type Lowered = Result<Node, Unsupported>;

/// The representation of a value of type `ty`, if native code supports values of that type.
pub fn rep_of(ty: &Ty, program: &hir::Program) -> Result<Rep, Unsupported> {
    match ty {
        Ty::Int | Ty::Enum(_) => Ok(Rep::Int),
        Ty::Float => Ok(Rep::Float),
        Ty::Bool => Ok(Rep::Bool),
        Ty::Unit | Ty::Never => Ok(Rep::Unit),
        Ty::Str | Ty::Json | Ty::List(_) | Ty::Dict(..) | Ty::Optional(_) | Ty::Struct(_) | Ty::Fn(..) => Ok(Rep::Ref),
        other => Err(format!("uses a value of type `{}`", other.display(program))),
    }
}

impl<'p> Lowerer<'p> {
    pub fn new(program: &'p hir::Program) -> Lowerer<'p> {
        Lowerer {
            program,
            sites: Vec::new(),
            constants: Vec::new(),
        }
    }

    /// Lowers function `f`, or says why native code does not support it. Sites and constants added for a
    /// rejected function stay in the tables unused.
    pub fn function(&mut self, f: &'p hir::Function) -> Result<Func, Unsupported> {
        let params = f
            .params
            .iter()
            .map(|p| self.rep(&p.ty))
            .collect::<Result<Vec<_>, _>>()?;
        let ret = self.rep(&f.ret)?;
        let mut state = FnLowering {
            locals: vec![Rep::Unit; f.num_locals as usize],
            types: vec![None; f.num_locals as usize],
        };
        for (slot, (rep, param)) in params.iter().zip(&f.params).enumerate() {
            state.declare(slot as u32, &param.ty, *rep);
        }
        let body = self.expr(&mut state, &f.body)?;
        Ok(Func {
            params,
            ret,
            locals: state.locals,
            body,
        })
    }

    fn rep(&self, ty: &Ty) -> Result<Rep, Unsupported> {
        rep_of(ty, self.program)
    }

    fn site(&mut self, span: Span, args: Vec<Ty>, kind: SiteKind<'p>) -> SiteId {
        let args = args
            .into_iter()
            .map(|ty| Operand {
                by_ref: rep_of(&ty, self.program) == Ok(Rep::Ref),
                ty,
            })
            .collect();
        self.sites.push(Site { span, args, kind });
        SiteId(self.sites.len() as u32 - 1)
    }

    /// A runtime operation at `span` on `args` (of types `tys`), its result of type `ret` (a temporary
    /// holds a [`Rep::Ref`] one). Operands that borrow a local's slot are copied first when a later operand
    /// stores into that local, so every operand keeps the value it had when it was evaluated.
    fn op(&mut self, st: &mut FnLowering, span: Span, kind: SiteKind<'p>, args: Vec<(Node, Ty)>, ret: &Ty) -> Lowered {
        self.op_into(st, span, kind, args, ret, None)
    }

    /// Like [`Self::op`]; with `into`, a [`Rep::Ref`] result is stored straight into that local, and the node
    /// is a statement (never an operand, which would move the local's value away).
    fn op_into(
        &mut self,
        st: &mut FnLowering,
        span: Span,
        kind: SiteKind<'p>,
        args: Vec<(Node, Ty)>,
        ret: &Ty,
        into: Option<u32>,
    ) -> Lowered {
        let ret = self.rep(ret)?;
        let (mut nodes, tys): (Vec<Node>, Vec<Ty>) = args.into_iter().unzip();
        for i in 0..nodes.len() {
            let Some(local) = nodes[i].borrowed_local() else {
                continue;
            };
            if st.locals[local as usize] == Rep::Ref && nodes[i + 1..].iter().any(|n| n.assigns(local)) {
                let copy = self.temp(st, Rep::Ref);
                let original = std::mem::replace(&mut nodes[i], Node::Const(Const::Unit));
                nodes[i] = Node::Block(
                    vec![Node::Set(copy, Box::new(original))],
                    Some(Box::new(Node::Local(copy))),
                );
            }
        }
        let dest = (ret == Rep::Ref).then(|| into.unwrap_or_else(|| self.temp(st, Rep::Ref)));
        let site = self.site(span, tys, kind);
        Ok(Node::Call {
            site,
            args: nodes,
            ret,
            dest,
        })
    }

    /// A constant value.
    fn literal(&mut self, value: Value) -> Node {
        self.constants.push(value);
        Node::Constant(self.constants.len() as u32 - 1)
    }

    fn boxed(&mut self, st: &mut FnLowering, e: &'p hir::Expr) -> Result<Box<Node>, Unsupported> {
        self.expr(st, e).map(Box::new)
    }

    /// `e` with its type, as an operand of a runtime operation.
    fn operand(&mut self, st: &mut FnLowering, e: &'p hir::Expr) -> Result<(Node, Ty), Unsupported> {
        Ok((self.expr(st, e)?, e.ty.clone()))
    }

    fn operands(&mut self, st: &mut FnLowering, es: &'p [hir::Expr]) -> Result<Vec<(Node, Ty)>, Unsupported> {
        es.iter().map(|e| self.operand(st, e)).collect()
    }

    fn expr(&mut self, st: &mut FnLowering, e: &'p hir::Expr) -> Lowered {
        let rep = self.rep(&e.ty)?;
        Ok(match &e.kind {
            ExprKind::Unit => Node::Const(Const::Unit),
            ExprKind::Int(i) => Node::Const(Const::Int(*i)),
            ExprKind::Float(f) => Node::Const(Const::Float(*f)),
            ExprKind::Bool(b) => Node::Const(Const::Bool(*b)),
            ExprKind::Str(s) => self.literal(Value::str(s.as_str())),
            ExprKind::None => self.literal(Value::None),
            ExprKind::WrapSome(inner) => match self.rep(&inner.ty)? {
                Rep::Ref => self.expr(st, inner)?,
                _ => {
                    let arg = self.operand(st, inner)?;
                    self.op(st, e.span, SiteKind::Wrap, vec![arg], &e.ty)?
                }
            },
            ExprKind::Variant { index, .. } => Node::Const(Const::Int(i64::from(*index))),
            ExprKind::Local(id) => Node::Local(id.0),
            ExprKind::Binary { op, lhs, rhs } => {
                let operand = self.rep(&lhs.ty)?;
                if operand == Rep::Ref {
                    let args = vec![self.operand(st, lhs)?, self.operand(st, rhs)?];
                    self.op(st, e.span, SiteKind::ValueBinary(*op), args, &e.ty)?
                } else {
                    let (l, r) = (self.boxed(st, lhs)?, self.boxed(st, rhs)?);
                    self.binary(*op, operand, l, r, e.span)?
                }
            }
            ExprKind::Unary { op, operand } => {
                let x = self.boxed(st, operand)?;
                match op {
                    UnaryOp::NegInt => Node::NegInt(x, self.site(e.span, Vec::new(), SiteKind::Unary(*op))),
                    UnaryOp::NegFloat => Node::NegFloat(x),
                    UnaryOp::Not => Node::Not(x),
                }
            }
            ExprKind::And(a, b) => Node::And(self.boxed(st, a)?, self.boxed(st, b)?),
            ExprKind::Or(a, b) => Node::Or(self.boxed(st, a)?, self.boxed(st, b)?),
            ExprKind::If { cond, then, else_ } => {
                let cond = self.expr(st, cond)?;
                let then = self.expr(st, then)?;
                let else_ = match else_ {
                    Some(x) => self.expr(st, x)?,
                    None => Node::Const(Const::Unit),
                };
                self.if_(st, cond, then, else_, rep)
            }
            ExprKind::Coalesce(opt, default) => {
                let opt_node = self.expr(st, opt)?;
                let default_node = self.expr(st, default)?;
                // A default that is a constant or a local can be evaluated eagerly: one operation does it all.
                if matches!(default_node, Node::Const(_) | Node::Constant(_) | Node::Local(_)) {
                    let args = vec![(opt_node, opt.ty.clone()), (default_node, e.ty.clone())];
                    return self.op(st, e.span, SiteKind::Coalesce, args, &e.ty);
                }
                let tmp = self.temp(st, Rep::Ref);
                let init = Node::Set(tmp, Box::new(opt_node));
                let is_none = self.op(
                    st,
                    e.span,
                    SiteKind::IsNone,
                    vec![(Node::Local(tmp), opt.ty.clone())],
                    &Ty::Bool,
                )?;
                let present = self.unwrap(st, tmp, &opt.ty, &e.ty, e.span)?;
                let choice = self.if_(st, is_none, default_node, present, rep);
                Node::Block(vec![init], Some(Box::new(choice)))
            }
            ExprKind::List(items) => {
                let args = self.operands(st, items)?;
                self.op(st, e.span, SiteKind::List, args, &e.ty)?
            }
            ExprKind::Range { start, end } => {
                let args = vec![self.operand(st, start)?, self.operand(st, end)?];
                self.op(st, e.span, SiteKind::Range, args, &e.ty)?
            }
            ExprKind::Interpolate(parts) => {
                let args = self.operands(st, parts)?;
                self.op(st, e.span, SiteKind::Interpolate, args, &e.ty)?
            }
            ExprKind::StructNew { id, fields } => {
                let args = self.operands(st, fields)?;
                self.op(st, e.span, SiteKind::Struct(*id), args, &e.ty)?
            }
            ExprKind::Field { base, index } => {
                let args = vec![self.operand(st, base)?];
                self.op(st, e.span, SiteKind::Field(*index), args, &e.ty)?
            }
            ExprKind::Index { base, index, kind } => {
                let args = vec![self.operand(st, base)?, self.operand(st, index)?];
                self.op(st, e.span, SiteKind::Index(*kind), args, &e.ty)?
            }
            ExprKind::Block(block) => self.block(st, block)?,
            ExprKind::Match { scrutinee, arms } => self.match_(st, scrutinee, arms, rep)?,
            ExprKind::Call { callee, args } => self.call(st, callee, args, e)?,
            ExprKind::FnRef(id) => self.literal(Value::Fn(id.0)),
            ExprKind::FuzzyRef(id) => self.literal(Value::Fuzzy(id.0)),
            ExprKind::NativeRef(id) => {
                let name = &self.program.native(*id).name;
                let native = NativeId::lookup(name)
                    .ok_or_else(|| format!("uses native fn `{name}`, which has no implementation"))?;
                self.literal(Value::Native(native))
            }
            ExprKind::Closure(c) => {
                let captures = c
                    .captures
                    .iter()
                    .map(|cap| match &st.types[cap.outer.index()] {
                        Some(ty) => Ok((Node::Local(cap.outer.0), ty.clone())),
                        None => Err("captures a local of unknown type".to_string()),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                self.op(st, e.span, SiteKind::Closure(c), captures, &e.ty)?
            }
            ExprKind::Error => return Err("has an expression with errors".into()),
        })
    }

    /// `if` whose branches have `rep`; branches holding `Value`s store into one temporary, whose slot is the
    /// result.
    fn if_(&mut self, st: &mut FnLowering, cond: Node, then: Node, else_: Node, rep: Rep) -> Node {
        if rep != Rep::Ref {
            return Node::If {
                cond: Box::new(cond),
                then: Box::new(then),
                else_: Box::new(else_),
                rep,
            };
        }
        let join = self.temp(st, Rep::Ref);
        let branch = |n: Node| Box::new(Node::Set(join, Box::new(n)));
        let choose = Node::If {
            cond: Box::new(cond),
            then: branch(then),
            else_: branch(else_),
            rep: Rep::Unit,
        };
        Node::Block(vec![choose], Some(Box::new(Node::Local(join))))
    }

    /// The value of the present optional (of type `opt`) in local `tmp`, as a `ty`.
    fn unwrap(&mut self, st: &mut FnLowering, tmp: u32, opt: &Ty, ty: &Ty, span: Span) -> Lowered {
        match self.rep(ty)? {
            // A present optional is its value itself.
            Rep::Ref => Ok(Node::Local(tmp)),
            _ => self.op(st, span, SiteKind::Unwrap, vec![(Node::Local(tmp), opt.clone())], ty),
        }
    }

    fn binary(&mut self, op: BinaryOp, operand: Rep, lhs: Box<Node>, rhs: Box<Node>, span: Span) -> Lowered {
        Ok(match op {
            BinaryOp::Int(a) => Node::IntOp {
                op: a,
                lhs,
                rhs,
                site: self.site(span, Vec::new(), SiteKind::Binary(op)),
            },
            BinaryOp::Float(a) => Node::FloatOp {
                op: a,
                lhs,
                rhs,
                site: self.site(span, Vec::new(), SiteKind::Binary(op)),
            },
            BinaryOp::Eq | BinaryOp::Ne if operand == Rep::Unit => return Err("compares unit values".into()),
            BinaryOp::Eq => Node::Cmp {
                op: Cmp::Eq,
                rep: operand,
                lhs,
                rhs,
            },
            BinaryOp::Ne => Node::Cmp {
                op: Cmp::Ne,
                rep: operand,
                lhs,
                rhs,
            },
            BinaryOp::Compare(c, OrderedTy::Int | OrderedTy::Float) => {
                let op = match c {
                    CompareOp::Lt => Cmp::Lt,
                    CompareOp::Le => Cmp::Le,
                    CompareOp::Gt => Cmp::Gt,
                    CompareOp::Ge => Cmp::Ge,
                };
                Node::Cmp {
                    op,
                    rep: operand,
                    lhs,
                    rhs,
                }
            }
            BinaryOp::Compare(_, OrderedTy::Str) | BinaryOp::StrConcat | BinaryOp::ListConcat => {
                return Err(format!("uses the operator {op:?} on values that are not numbers"))
            }
        })
    }

    /// `lhs op rhs` of compound assignment: both operands and the result of type `ty`, `rhs` in a local,
    /// errors at `span`.
    fn compound(&mut self, st: &mut FnLowering, op: BinaryOp, ty: &Ty, lhs: Node, rhs: u32, span: Span) -> Lowered {
        match self.rep(ty)? {
            Rep::Ref => self.op(
                st,
                span,
                SiteKind::ValueBinary(op),
                vec![(lhs, ty.clone()), (Node::Local(rhs), ty.clone())],
                ty,
            ),
            operand => self.binary(op, operand, Box::new(lhs), Box::new(Node::Local(rhs)), span),
        }
    }

    fn block(&mut self, st: &mut FnLowering, block: &'p hir::Block) -> Lowered {
        let stmts = block
            .stmts
            .iter()
            .map(|s| self.stmt(st, s))
            .collect::<Result<Vec<_>, _>>()?;
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
                st.declare(local.0, &value.ty, self.rep(&value.ty)?);
                Node::Set(local.0, self.boxed(st, value)?)
            }
            StmtKind::Assign { place, op, value } => self.assign(st, place, *op, value, stmt.span)?,
            StmtKind::While { cond, body } => Node::While {
                cond: self.boxed(st, cond)?,
                body: Box::new(self.block(st, body)?),
            },
            StmtKind::ForRange { var, start, end, body } => {
                st.declare(var.0, &Ty::Int, Rep::Int);
                Node::ForRange {
                    var: var.0,
                    start: self.boxed(st, start)?,
                    end: self.boxed(st, end)?,
                    body: Box::new(self.block(st, body)?),
                }
            }
            StmtKind::ForList { var, list, body } => self.for_list(st, var.0, list, body, stmt.span)?,
            StmtKind::Return(value) => Node::Return(match value {
                Some(v) => self.boxed(st, v)?,
                None => Box::new(Node::Const(Const::Unit)),
            }),
            StmtKind::Break => Node::Break,
            StmtKind::Continue => Node::Continue,
        })
    }

    /// Assignments, in the reference executor's order: the place's operands, then the value, then (for
    /// `op=`) the old value; errors at the statement.
    fn assign(
        &mut self,
        st: &mut FnLowering,
        place: &'p Place,
        op: Option<BinaryOp>,
        value: &'p hir::Expr,
        span: Span,
    ) -> Lowered {
        let ty = &value.ty;
        match (place, op) {
            (Place::Local(slot), op) => {
                let rhs = self.boxed(st, value)?;
                Ok(match op {
                    None => Node::Set(slot.0, rhs),
                    // The target is a place, not an operand: the value is computed first, then appended.
                    Some(BinaryOp::StrConcat) => {
                        let tmp = self.temp(st, Rep::Ref);
                        let args = vec![(Node::Local(slot.0), ty.clone()), (Node::Local(tmp), ty.clone())];
                        let append = self.op(st, span, SiteKind::AppendStr, args, &Ty::Unit)?;
                        Node::Block(vec![Node::Set(tmp, rhs), append], None)
                    }
                    // `x op= v`: `v` first, then `x`.
                    Some(op) => {
                        let tmp = self.temp(st, self.rep(ty)?);
                        let compute = self.compound(st, op, ty, Node::Local(slot.0), tmp, span)?;
                        Node::Set(
                            slot.0,
                            Box::new(Node::Block(vec![Node::Set(tmp, rhs)], Some(Box::new(compute)))),
                        )
                    }
                })
            }
            // Plain stores take their operands in order, as one operation.
            (Place::Field { base, index }, None) => {
                let args = vec![self.operand(st, base)?, self.operand(st, value)?];
                self.op(st, span, SiteKind::SetField(*index), args, &Ty::Unit)
            }
            (Place::Index { base, index, .. }, None) => {
                let args = vec![
                    self.operand(st, base)?,
                    self.operand(st, index)?,
                    self.operand(st, value)?,
                ];
                self.op(st, span, SiteKind::SetIndex, args, &Ty::Unit)
            }
            // Compound ones read the old value after computing the new operand: their operands wait in temporaries.
            (Place::Field { base, index }, Some(op)) => {
                let (base_tmp, rhs_tmp) = (self.temp(st, Rep::Ref), self.temp(st, self.rep(ty)?));
                let init = vec![
                    Node::Set(base_tmp, self.boxed(st, base)?),
                    Node::Set(rhs_tmp, self.boxed(st, value)?),
                ];
                let base_arg = (Node::Local(base_tmp), base.ty.clone());
                let old = self.op(st, span, SiteKind::Field(*index), vec![base_arg.clone()], ty)?;
                let new = self.compound(st, op, ty, old, rhs_tmp, span)?;
                let set = self.op(
                    st,
                    span,
                    SiteKind::SetField(*index),
                    vec![base_arg, (new, ty.clone())],
                    &Ty::Unit,
                )?;
                Ok(Node::Block(init, Some(Box::new(set))))
            }
            (Place::Index { base, index, kind }, Some(op)) => {
                let (base_tmp, key_tmp, rhs_tmp) = (
                    self.temp(st, Rep::Ref),
                    self.temp(st, self.rep(&index.ty)?),
                    self.temp(st, self.rep(ty)?),
                );
                let init = vec![
                    Node::Set(base_tmp, self.boxed(st, base)?),
                    Node::Set(key_tmp, self.boxed(st, index)?),
                    Node::Set(rhs_tmp, self.boxed(st, value)?),
                ];
                let (base_arg, key_arg) = (
                    (Node::Local(base_tmp), base.ty.clone()),
                    (Node::Local(key_tmp), index.ty.clone()),
                );
                let old = self.op(
                    st,
                    span,
                    SiteKind::Index(*kind),
                    vec![base_arg.clone(), key_arg.clone()],
                    ty,
                )?;
                let new = self.compound(st, op, ty, old, rhs_tmp, span)?;
                let set = self.op(
                    st,
                    span,
                    SiteKind::SetIndex,
                    vec![base_arg, key_arg, (new, ty.clone())],
                    &Ty::Unit,
                )?;
                Ok(Node::Block(init, Some(Box::new(set))))
            }
        }
    }

    /// `for var in list`: a counted loop over a snapshot of the list, each element moved out of it in turn.
    fn for_list(
        &mut self,
        st: &mut FnLowering,
        var: u32,
        list: &'p hir::Expr,
        body: &'p hir::Block,
        span: Span,
    ) -> Lowered {
        let Ty::List(elem) = &list.ty else {
            return Err("iterates over a value that is not a list".into());
        };
        st.declare(var, elem, self.rep(elem)?);
        let lowered_list = self.expr(st, list)?;
        let owned = lowered_list.is_fresh();
        let snapshot = self.op(
            st,
            span,
            SiteKind::Snapshot { owned },
            vec![(lowered_list, list.ty.clone())],
            &list.ty,
        )?;
        let (items, len, i) = (
            self.temp(st, Rep::Ref),
            self.temp(st, Rep::Int),
            self.temp(st, Rep::Int),
        );
        let items_arg = || (Node::Local(items), list.ty.clone());
        let count = self.op(st, span, SiteKind::ListLen, vec![items_arg()], &Ty::Int)?;
        let take = vec![items_arg(), (Node::Local(i), Ty::Int)];
        // Each element moves straight into the loop variable.
        let item = match st.locals[var as usize] {
            Rep::Ref => self.op_into(st, span, SiteKind::TakeItem, take, elem, Some(var))?,
            _ => Node::Set(var, Box::new(self.op(st, span, SiteKind::TakeItem, take, elem)?)),
        };
        let clear = self.op(st, span, SiteKind::Clear, vec![items_arg()], &Ty::Unit)?;
        let body = Node::Block(vec![item, self.block(st, body)?], None);
        let walk = Node::ForRange {
            var: i,
            start: Box::new(Node::Const(Const::Int(0))),
            end: Box::new(Node::Local(len)),
            body: Box::new(body),
        };
        Ok(Node::Block(
            vec![
                Node::Set(items, Box::new(snapshot)),
                Node::Set(len, Box::new(count)),
                walk,
                clear,
            ],
            None,
        ))
    }

    /// A fresh local of the function, for a value computed once and read later.
    fn temp(&mut self, st: &mut FnLowering, rep: Rep) -> u32 {
        st.locals.push(rep);
        st.locals.len() as u32 - 1
    }

    /// `match` as a chain of `if`s over a temporary holding the scrutinee; each arm's bindings are stored
    /// once its pattern matched. The last arm needs no test: the checker guarantees that some arm matches.
    fn match_(
        &mut self,
        st: &mut FnLowering,
        scrutinee: &'p hir::Expr,
        arms: &'p [hir::MatchArm],
        rep: Rep,
    ) -> Lowered {
        let scrutinee_rep = self.rep(&scrutinee.ty)?;
        let tmp = self.temp(st, scrutinee_rep);
        let init = Node::Set(tmp, self.boxed(st, scrutinee)?);
        let mut chain: Option<Node> = None;
        for arm in arms.iter().rev() {
            let body = self.expr(st, &arm.body)?;
            let (cond, bindings) = self.pattern(st, &arm.pattern, tmp, &scrutinee.ty, arm.span)?;
            let arm_body = Node::Block(bindings, Some(Box::new(body)));
            chain = Some(match chain {
                None => arm_body,
                Some(rest) => self.if_(st, cond, arm_body, rest, rep),
            });
        }
        match chain {
            Some(chain) => Ok(Node::Block(vec![init], Some(Box::new(chain)))),
            None => Err("has a `match` without arms".into()),
        }
    }

    /// The test of `pattern` against local `value` of type `ty`, and the stores of its bindings (valid once
    /// the test passed).
    fn pattern(
        &mut self,
        st: &mut FnLowering,
        pattern: &Pattern,
        value: u32,
        ty: &Ty,
        span: Span,
    ) -> Result<(Node, Vec<Node>), Unsupported> {
        let rep = self.rep(ty)?;
        let equals = |c: Const| Node::Cmp {
            op: Cmp::Eq,
            rep,
            lhs: Box::new(Node::Local(value)),
            rhs: Box::new(Node::Const(c)),
        };
        Ok(match pattern {
            Pattern::Wildcard => (Node::Const(Const::Bool(true)), Vec::new()),
            Pattern::Bind(slot) => {
                st.declare(slot.0, ty, rep);
                (
                    Node::Const(Const::Bool(true)),
                    vec![Node::Set(slot.0, Box::new(Node::Local(value)))],
                )
            }
            Pattern::Variant { index, .. } => (equals(Const::Int(i64::from(*index))), Vec::new()),
            Pattern::Int(i) => (equals(Const::Int(*i)), Vec::new()),
            Pattern::Float(f) => (equals(Const::Float(*f)), Vec::new()),
            Pattern::Bool(b) => (equals(Const::Bool(*b)), Vec::new()),
            Pattern::Str(s) => {
                let text = self.literal(Value::str(s.as_str()));
                let args = vec![(Node::Local(value), ty.clone()), (text, Ty::Str)];
                (
                    self.op(st, span, SiteKind::ValueBinary(BinaryOp::Eq), args, &Ty::Bool)?,
                    Vec::new(),
                )
            }
            Pattern::None => (
                self.op(
                    st,
                    span,
                    SiteKind::IsNone,
                    vec![(Node::Local(value), ty.clone())],
                    &Ty::Bool,
                )?,
                Vec::new(),
            ),
            Pattern::Some(inner) => {
                let Ty::Optional(inner_ty) = ty else {
                    return Err("matches `some` on a value that is not optional".into());
                };
                let present = Node::Not(Box::new(self.op(
                    st,
                    span,
                    SiteKind::IsNone,
                    vec![(Node::Local(value), ty.clone())],
                    &Ty::Bool,
                )?));
                let (inner_value, mut bindings) = match self.rep(inner_ty)? {
                    Rep::Ref => (value, Vec::new()),
                    inner_rep => {
                        let unwrapped = self.temp(st, inner_rep);
                        let get = self.unwrap(st, value, ty, inner_ty, span)?;
                        (unwrapped, vec![Node::Set(unwrapped, Box::new(get))])
                    }
                };
                let (inner_cond, inner_bindings) = self.pattern(st, inner, inner_value, inner_ty, span)?;
                let cond = Node::And(
                    Box::new(present),
                    Box::new(Node::Block(bindings.clone(), Some(Box::new(inner_cond)))),
                );
                bindings.extend(inner_bindings);
                (cond, bindings)
            }
        })
    }

    fn call(&mut self, st: &mut FnLowering, callee: &'p Callee, args: &'p [hir::Expr], e: &'p hir::Expr) -> Lowered {
        let (kind, mut operands) = match callee {
            Callee::Fn(id) => (SiteKind::Call(*id), Vec::new()),
            Callee::Native(_) | Callee::Fuzzy(_) => (SiteKind::Target(e), Vec::new()),
            Callee::Value(f) => (SiteKind::CallValue, vec![self.operand(st, f)?]),
        };
        operands.extend(self.operands(st, args)?);
        self.op(st, e.span, kind, operands, &e.ty)
    }
}
