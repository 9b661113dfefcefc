//! Type inference inside one body: type variables and their unification.

use crate::hir::{Ty, TyVar};

/// The bindings of the type variables created while checking one function, test or closure body.
#[derive(Clone, Default)]
pub(crate) struct Table {
    vars: Vec<Option<Ty>>,
}

impl Table {
    pub fn fresh(&mut self) -> Ty {
        self.vars.push(None);
        Ty::Infer(TyVar(self.vars.len() as u32 - 1))
    }

    /// `t` with its outermost variable followed to what it is bound to.
    pub fn shallow(&self, t: &Ty) -> Ty {
        let mut t = t.clone();
        while let Ty::Infer(v) = t {
            match &self.vars[v.index()] {
                Some(bound) => t = bound.clone(),
                None => break,
            }
        }
        t
    }

    /// `t` with every bound variable replaced; unbound ones stay.
    pub fn zonk(&self, t: &Ty) -> Ty {
        match self.shallow(t) {
            Ty::List(e) => Ty::List(Box::new(self.zonk(&e))),
            Ty::Optional(e) => Ty::Optional(Box::new(self.zonk(&e))),
            Ty::Dict(k, v) => Ty::Dict(Box::new(self.zonk(&k)), Box::new(self.zonk(&v))),
            Ty::Fn(ps, r) => Ty::Fn(ps.iter().map(|p| self.zonk(p)).collect(), Box::new(self.zonk(&r))),
            other => other,
        }
    }

    /// Whether `t` (after zonking) still contains a variable.
    pub fn has_unknowns(&self, t: &Ty) -> bool {
        contains_var(&self.zonk(t))
    }

    /// Makes `a` and `b` equal, binding variables; false (with partial bindings kept) when they differ.
    /// `Never` and `Error` are compatible with every type.
    pub fn unify(&mut self, a: &Ty, b: &Ty) -> bool {
        let (a, b) = (self.shallow(a), self.shallow(b));
        match (&a, &b) {
            (Ty::Infer(x), Ty::Infer(y)) if x == y => true,
            (Ty::Infer(x), t) | (t, Ty::Infer(x)) => {
                if self.occurs(*x, t) {
                    return false;
                }
                self.vars[x.index()] = Some(t.clone());
                true
            }
            (Ty::Never | Ty::Error, _) | (_, Ty::Never | Ty::Error) => true,
            (Ty::List(x), Ty::List(y)) | (Ty::Optional(x), Ty::Optional(y)) => self.unify(x, y),
            (Ty::Dict(k1, v1), Ty::Dict(k2, v2)) => self.unify(k1, k2) & self.unify(v1, v2),
            (Ty::Fn(p1, r1), Ty::Fn(p2, r2)) => {
                p1.len() == p2.len()
                    && p1.iter().zip(p2).fold(true, |ok, (x, y)| self.unify(x, y) && ok)
                    && self.unify(r1, r2)
            }
            _ => a == b,
        }
    }

    fn occurs(&self, v: TyVar, t: &Ty) -> bool {
        match self.shallow(t) {
            Ty::Infer(w) => w == v,
            Ty::List(e) | Ty::Optional(e) => self.occurs(v, &e),
            Ty::Dict(k, e) => self.occurs(v, &k) || self.occurs(v, &e),
            Ty::Fn(ps, r) => ps.iter().any(|p| self.occurs(v, p)) || self.occurs(v, &r),
            _ => false,
        }
    }
}

fn contains_var(t: &Ty) -> bool {
    match t {
        Ty::Infer(_) => true,
        Ty::List(e) | Ty::Optional(e) => contains_var(e),
        Ty::Dict(k, v) => contains_var(k) || contains_var(v),
        Ty::Fn(ps, r) => ps.iter().any(contains_var) || contains_var(r),
        _ => false,
    }
}

/// Replaces the type parameters of a generic native's signature type by `args`.
pub(crate) fn instantiate(t: &Ty, args: &[Ty]) -> Ty {
    match t {
        Ty::Param(i) => args.get(*i as usize).cloned().unwrap_or(Ty::Error),
        Ty::List(e) => Ty::List(Box::new(instantiate(e, args))),
        Ty::Optional(e) => Ty::Optional(Box::new(instantiate(e, args))),
        Ty::Dict(k, v) => Ty::Dict(Box::new(instantiate(k, args)), Box::new(instantiate(v, args))),
        Ty::Fn(ps, r) => Ty::Fn(
            ps.iter().map(|p| instantiate(p, args)).collect(),
            Box::new(instantiate(r, args)),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unifies_structurally_and_binds_variables() {
        let mut table = Table::default();
        let a = table.fresh();
        let list_a = Ty::List(Box::new(a.clone()));
        assert!(table.unify(&list_a, &Ty::List(Box::new(Ty::Int))));
        assert_eq!(table.zonk(&list_a), Ty::List(Box::new(Ty::Int)));
        assert!(!table.unify(&a, &Ty::Str));
        assert!(!table.has_unknowns(&list_a));
    }

    #[test]
    fn rejects_infinite_types() {
        let mut table = Table::default();
        let a = table.fresh();
        assert!(!table.unify(&a, &Ty::List(Box::new(a.clone()))));
        assert!(table.has_unknowns(&a));
    }
}
