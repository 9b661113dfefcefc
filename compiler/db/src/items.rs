//! Per-module item summaries: what an outline, a workspace symbol search or a completion list needs, computed from
//! one file's syntax tree alone (so editing one module never recomputes another's).

use std::sync::Arc;

use paw_diagnostics::Span;
use paw_syntax::ast;

use crate::{parse, Source};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Function,
    Native,
    Fuzzy,
    Struct,
    Enum,
    Field,
    Variant,
    Test,
}

/// One declaration as written: `fn add(a: int, b: int) -> int`.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemSummary {
    pub kind: ItemKind,
    pub name: String,
    /// The declaration's first line as the user would write it, without body or docs.
    pub signature: String,
    pub docs: String,
    pub name_span: Span,
    pub span: Span,
    /// Fields of a struct, variants of an enum.
    pub children: Vec<ItemSummary>,
}

/// The items of one file, in source order.
#[salsa::tracked]
pub fn module_items(db: &dyn salsa::Database, source: Source) -> Arc<Vec<ItemSummary>> {
    let parsed = parse(db, source);
    Arc::new(parsed.ast.items.iter().filter_map(summarize).collect())
}

fn summarize(item: &ast::Item) -> Option<ItemSummary> {
    let summary = match item {
        ast::Item::Fn(d) => {
            let kind = if d.is_native {
                ItemKind::Native
            } else {
                ItemKind::Function
            };
            let type_params = if d.type_params.is_empty() {
                String::new()
            } else {
                format!(
                    "[{}]",
                    d.type_params
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let prefix = if d.is_native { "native fn" } else { "fn" };
            let signature = format!(
                "{prefix} {}{type_params}{}",
                d.name.name,
                params_and_ret(&d.params, d.ret.as_ref())
            );
            leaf(kind, &d.name, signature, &d.docs, d.span)
        }
        ast::Item::Fuzzy(d) => {
            let signature = format!("fuzzy fn {}{}", d.name.name, params_and_ret(&d.params, d.ret.as_ref()));
            leaf(ItemKind::Fuzzy, &d.name, signature, &d.docs, d.span)
        }
        ast::Item::Struct(d) => ItemSummary {
            children: d
                .fields
                .iter()
                .map(|f| {
                    leaf(
                        ItemKind::Field,
                        &f.name,
                        format!("{}: {}", f.name.name, show_type(&f.ty)),
                        &f.docs,
                        f.span,
                    )
                })
                .collect(),
            ..leaf(
                ItemKind::Struct,
                &d.name,
                format!("struct {}", d.name.name),
                &d.docs,
                d.span,
            )
        },
        ast::Item::Enum(d) => ItemSummary {
            children: d
                .variants
                .iter()
                .map(|v| leaf(ItemKind::Variant, &v.name, v.name.name.clone(), &v.docs, v.span))
                .collect(),
            ..leaf(
                ItemKind::Enum,
                &d.name,
                format!("enum {}", d.name.name),
                &d.docs,
                d.span,
            )
        },
        ast::Item::Test(d) => ItemSummary {
            kind: ItemKind::Test,
            name: d.name.clone(),
            signature: format!("test {:?}", d.name),
            docs: String::new(),
            name_span: d.name_span,
            span: d.span,
            children: Vec::new(),
        },
        ast::Item::Use(_) | ast::Item::Error(_) => return None,
    };
    Some(summary)
}

fn leaf(kind: ItemKind, name: &ast::Ident, signature: String, docs: &ast::Docs, span: Span) -> ItemSummary {
    ItemSummary {
        kind,
        name: name.name.clone(),
        signature,
        docs: docs.text(),
        name_span: name.span,
        span,
        children: Vec::new(),
    }
}

fn params_and_ret(params: &[ast::Param], ret: Option<&ast::TypeExpr>) -> String {
    let params = params
        .iter()
        .map(|p| format!("{}: {}", p.name.name, show_type(&p.ty)))
        .collect::<Vec<_>>()
        .join(", ");
    match ret {
        Some(ret) => format!("({params}) -> {}", show_type(ret)),
        None => format!("({params})"),
    }
}

/// A type expression as written (`list[str]`, `shapes.Point?`, `fn(int) -> bool`).
pub fn show_type(t: &ast::TypeExpr) -> String {
    match t {
        ast::TypeExpr::Named { path, args, .. } => {
            let name = path.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(".");
            if args.is_empty() {
                name
            } else {
                format!("{name}[{}]", args.iter().map(show_type).collect::<Vec<_>>().join(", "))
            }
        }
        ast::TypeExpr::Optional { inner, .. } => format!("{}?", show_type(inner)),
        ast::TypeExpr::Fn { params, ret, .. } => {
            let params = params.iter().map(show_type).collect::<Vec<_>>().join(", ");
            match ret {
                Some(ret) => format!("fn({params}) -> {}", show_type(ret)),
                None => format!("fn({params})"),
            }
        }
        ast::TypeExpr::Error(_) => "_".into(),
    }
}
