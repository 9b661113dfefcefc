//! Fuzzy fn docstring examples: each `>>> f(args)` and its expected value, typed against the signature.

use paw_diagnostics::Span;
use paw_syntax::ast::{self, ValueLit, ValueLitKind};

use crate::checker::{Checker, DiagnosticExt};
use crate::hir::{ConstValue, FuzzyExample, FuzzyId, Ty};
use crate::suggest::did_you_mean;

impl Checker {
    pub(crate) fn check_fuzzy_examples(&mut self) {
        for index in 0..self.fuzzy_sources.len() {
            let (m, item) = self.fuzzy_sources[index];
            let ast = self.modules[m].ast.clone();
            let ast::Item::Fuzzy(decl) = &ast.items[item] else {
                continue;
            };
            let id = FuzzyId(index as u32);
            let mut examples = Vec::new();
            for example in &decl.examples {
                if let Some(checked) = self.check_example(id, decl, example) {
                    examples.push(checked);
                }
            }
            self.program.fuzzy[index].examples = examples;
        }
    }

    fn check_example(&mut self, id: FuzzyId, decl: &ast::FuzzyFnDecl, example: &ast::Example) -> Option<FuzzyExample> {
        let name = &decl.name.name;
        if example.callee.name != *name {
            self.error(
                "E0218",
                format!("this example calls `{}`, not `{name}`", example.callee.name),
                example.callee.span,
                "another function",
            )
            .also((decl.name.span, format!("the example belongs to `{name}`")))
            .hint(format!("examples of `{name}` call it: `>>> {name}(...)`"));
            return None;
        }
        let fuzzy = self.program.fuzzy_fn(id);
        let (params, ret) = (fuzzy.params.clone(), fuzzy.ret.clone());
        if example.args.len() != params.len() {
            let expected = params.len();
            let plural = if expected == 1 { "" } else { "s" };
            self.error(
                "E0202",
                format!(
                    "`{name}` takes {expected} argument{plural} but the example gives {}",
                    example.args.len()
                ),
                example.call_span,
                format!("expected {expected} argument{plural}"),
            )
            .also((decl.name.span, format!("`{name}` is declared here")))
            .hint("give one value per parameter, in order");
            return None;
        }
        let mut args = Some(Vec::new());
        for ((arg, param), decl_param) in example.args.iter().zip(&params).zip(&decl.params) {
            let site = Site {
                span: decl_param.ty.span(),
                what: format!("the parameter `{}` is `{}`", param.name, self.show(&param.ty)),
            };
            let value = self.const_value(arg, &param.ty, &site);
            args = args.zip(value).map(|(mut a, v)| {
                a.push(v);
                a
            });
        }
        let ret_span = decl.ret.as_ref().map_or(decl.name.span, ast::TypeExpr::span);
        let site = Site {
            span: ret_span,
            what: format!("the return type is `{}`", self.show(&ret)),
        };
        let expected = self.const_value(&example.expected, &ret, &site);
        Some(FuzzyExample {
            args: args?,
            expected: expected?,
            call_span: example.call_span,
            expected_span: example.expected.span,
        })
    }

    /// The value `lit` denotes at type `ty` (the declared type or a part of it), or `None` after reporting
    /// why it is not one.
    fn const_value(&mut self, lit: &ValueLit, ty: &Ty, site: &Site) -> Option<ConstValue> {
        match (&lit.kind, ty) {
            (ValueLitKind::Error, _) | (_, Ty::Error) => None,
            (ValueLitKind::Null, Ty::Optional(_)) => Some(ConstValue::None),
            (_, Ty::Optional(inner)) => self.const_value(lit, inner, site),
            (ValueLitKind::Int(n), Ty::Int) => Some(ConstValue::Int(*n)),
            (ValueLitKind::Int(n), Ty::Float) => Some(ConstValue::Float(*n as f64)),
            (ValueLitKind::Float(x), Ty::Float) => Some(ConstValue::Float(*x)),
            (ValueLitKind::Bool(b), Ty::Bool) => Some(ConstValue::Bool(*b)),
            (ValueLitKind::Str(s), Ty::Str) => Some(ConstValue::Str(s.clone())),
            (ValueLitKind::Word(w) | ValueLitKind::Str(w), Ty::Enum(id)) => match self.variant_index(*id, w) {
                Some(index) => Some(ConstValue::Variant(*id, index)),
                None => {
                    self.unknown_variant(*id, w, lit.span);
                    None
                }
            },
            (ValueLitKind::List(items), Ty::List(element)) => {
                let mut values = Some(Vec::new());
                for item in items {
                    let value = self.const_value(item, element, site);
                    values = values.zip(value).map(|(mut vs, v)| {
                        vs.push(v);
                        vs
                    });
                }
                values.map(ConstValue::List)
            }
            (ValueLitKind::Object(entries), Ty::Struct(id)) => self.struct_value(*id, entries, lit.span),
            (_, Ty::Json) => self.json_value(lit).map(ConstValue::Json),
            _ => {
                let shown = self.show(ty);
                let help = match &lit.kind {
                    ValueLitKind::Null => "only optional types (`T?`) accept `null` or `none`".to_string(),
                    _ => format!("write {}", self.literal_form(ty)),
                };
                self.error(
                    "E0217",
                    format!(
                        "example value has the wrong type: expected `{shown}`, found {}",
                        describe(&lit.kind)
                    ),
                    lit.span,
                    format!("not a `{shown}`"),
                )
                .also((site.span, site.what.clone()))
                .hint(help);
                None
            }
        }
    }

    /// How a value of `ty` is written in an example, for help lines.
    fn literal_form(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "`true` or `false`".into(),
            Ty::Int => "an integer, like `3`".into(),
            Ty::Float => "a number, like `0.5`".into(),
            Ty::Str => "a double-quoted string, like `\"text\"`".into(),
            Ty::Enum(id) => {
                let names: Vec<&str> = self
                    .program
                    .enum_def(*id)
                    .variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect();
                format!("one of the variants: {}", names.join(", "))
            }
            Ty::Struct(id) => {
                let fields: Vec<String> = self
                    .program
                    .struct_def(*id)
                    .fields
                    .iter()
                    .map(|f| format!("{}: ...", f.name))
                    .collect();
                format!("an object `{{{}}}`", fields.join(", "))
            }
            Ty::List(_) => "a list `[a, b]`".into(),
            other => format!("a `{}` value", self.show(other)),
        }
    }

    fn struct_value(
        &mut self,
        id: crate::hir::StructId,
        entries: &[(ast::Ident, ValueLit)],
        span: Span,
    ) -> Option<ConstValue> {
        let def = self.program.struct_def(id).clone();
        let mut slots: Vec<Option<ConstValue>> = vec![None; def.fields.len()];
        let mut ok = true;
        let mut given: Vec<Span> = vec![Span::default(); def.fields.len()];
        for (key, value) in entries {
            let Some(index) = def.fields.iter().position(|f| f.name == key.name) else {
                let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
                let help = did_you_mean(&key.name, names.iter().copied())
                    .unwrap_or_else(|| format!("the fields of `{}` are: {}", def.name, names.join(", ")));
                self.error(
                    "E0105",
                    format!("struct `{}` has no field `{}`", def.name, key.name),
                    key.span,
                    "unknown field",
                )
                .hint(help);
                ok = false;
                continue;
            };
            if slots[index].is_some() {
                self.error(
                    "E0104",
                    format!("field `{}` is given twice", key.name),
                    key.span,
                    "given again here",
                )
                .also((given[index], "first given here"))
                .hint("give each field exactly once");
                ok = false;
                continue;
            }
            given[index] = key.span;
            let field = &def.fields[index];
            let field_site = Site {
                span: field.span,
                what: format!(
                    "the field `{}` of `{}` is `{}`",
                    field.name,
                    def.name,
                    self.show(&field.ty)
                ),
            };
            match self.const_value(value, &field.ty, &field_site) {
                Some(v) => slots[index] = Some(v),
                None => ok = false,
            }
        }
        let missing: Vec<String> = def
            .fields
            .iter()
            .zip(&slots)
            .filter(|(_, s)| s.is_none())
            .map(|(f, _)| format!("`{}`", f.name))
            .collect();
        if ok && !missing.is_empty() {
            let plural = if missing.len() == 1 { "" } else { "s" };
            self.error(
                "E0211",
                format!("missing field{plural} {} in `{}`", missing.join(", "), def.name),
                span,
                format!("missing {}", missing.join(", ")),
            )
            .also((def.name_span, format!("`{}` is declared here", def.name)))
            .hint("give every field a value");
            return None;
        }
        if !ok {
            return None;
        }
        Some(ConstValue::Struct(id, slots.into_iter().flatten().collect()))
    }

    fn json_value(&mut self, lit: &ValueLit) -> Option<serde_json::Value> {
        use serde_json::Value;
        Some(match &lit.kind {
            ValueLitKind::Str(s) => Value::String(s.clone()),
            ValueLitKind::Int(n) => Value::from(*n),
            ValueLitKind::Float(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
            ValueLitKind::Bool(b) => Value::Bool(*b),
            ValueLitKind::Null => Value::Null,
            ValueLitKind::List(items) => {
                let mut values = Vec::new();
                for item in items {
                    values.push(self.json_value(item)?);
                }
                Value::Array(values)
            }
            ValueLitKind::Object(entries) => {
                let mut map = serde_json::Map::new();
                for (key, value) in entries {
                    map.insert(key.name.clone(), self.json_value(value)?);
                }
                Value::Object(map)
            }
            ValueLitKind::Word(w) => {
                self.error("E0217", format!("`{w}` is not JSON"), lit.span, "not a JSON value")
                    .hint(format!("quote it to make it a JSON string: \"{w}\""));
                return None;
            }
            ValueLitKind::Error => return None,
        })
    }
}

/// The declared type an example value is checked against: its span in the signature and a label for it.
struct Site {
    span: Span,
    what: String,
}

fn describe(kind: &ValueLitKind) -> String {
    match kind {
        ValueLitKind::Str(s) => format!("the string \"{s}\""),
        ValueLitKind::Int(n) => format!("the integer `{n}`"),
        ValueLitKind::Float(x) => format!("the float `{x}`"),
        ValueLitKind::Bool(b) => format!("`{b}`"),
        ValueLitKind::Null => "`null`".into(),
        ValueLitKind::Word(w) => format!("the word `{w}`"),
        ValueLitKind::List(_) => "a list".into(),
        ValueLitKind::Object(_) => "an object".into(),
        ValueLitKind::Error => "an invalid value".into(),
    }
}
