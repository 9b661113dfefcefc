//! The editor features, computed from one file's resolved names and the project's checked program. Offsets are
//! bytes here; the server converts to and from LSP positions.

use paw_check::hir::{FuzzyFn, Program, Ty};
use paw_db::{ItemKind, ItemSummary};
use paw_diagnostics::Span;
use paw_syntax::{Lexeme, Token};

use crate::build_state::BuildState;
use crate::resolve::{Def, FileRefs, Index};

pub const KEYWORDS: &[&str] = &[
    "fn", "fuzzy", "let", "mut", "if", "else", "while", "for", "in", "match", "return", "break", "continue", "struct",
    "enum", "use", "test", "true", "false", "none",
];

pub const BUILTIN_TYPES: &[&str] = &["int", "float", "bool", "str", "json", "list", "dict"];

fn show(program: &Program, ty: &Ty) -> String {
    ty.display(program)
}

fn params(program: &Program, params: &[paw_check::hir::Param]) -> Vec<String> {
    params
        .iter()
        .map(|p| format!("{}: {}", p.name, show(program, &p.ty)))
        .collect()
}

fn with_ret(program: &Program, head: String, ret: &Ty) -> String {
    match ret {
        Ty::Unit => head,
        ret => format!("{head} -> {}", show(program, ret)),
    }
}

/// The signature of a callable definition: its label and its parameters' labels (for signature help), and the
/// number of leading parameters a method call supplies from the receiver.
pub fn signature(index: &Index, def: &Def) -> Option<(String, Vec<String>)> {
    let p = index.program();
    let (name, ps, ret) = match def {
        Def::Fn(id) => {
            let f = p.function(*id);
            (f.name.clone(), params(p, &f.params), f.ret.clone())
        }
        Def::Native(id) => {
            let f = p.native(*id);
            let mut ps = params(p, &f.params);
            let mut ret = show(p, &f.ret);
            for (i, name) in f.type_params.iter().enumerate() {
                let placeholder = format!("T{i}");
                ps.iter_mut().for_each(|s| *s = s.replace(&placeholder, name));
                ret = ret.replace(&placeholder, name);
            }
            let label = format!("fn {}({})", f.name, ps.join(", "));
            let label = if f.ret == Ty::Unit {
                label
            } else {
                format!("{label} -> {ret}")
            };
            return Some((label, ps));
        }
        Def::Fuzzy(id) => {
            let f = p.fuzzy_fn(*id);
            let ps = params(p, &f.params);
            return Some((
                with_ret(p, format!("fuzzy fn {}({})", f.name, ps.join(", ")), &f.ret),
                ps,
            ));
        }
        Def::Struct(id) => {
            let s = p.struct_def(*id);
            let ps: Vec<String> = s
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.name, show(p, &f.ty)))
                .collect();
            return Some((format!("{}({})", s.name, ps.join(", ")), ps));
        }
        _ => return None,
    };
    Some((with_ret(p, format!("fn {name}({})", ps.join(", ")), &ret), ps))
}

/// Hover text (markdown) for a definition; `build` answers a fuzzy fn's build state.
pub fn hover(index: &Index, refs: &FileRefs, def: &Def, build: &dyn Fn(&FuzzyFn) -> BuildState) -> String {
    let p = index.program();
    let code = |s: String| format!("```paw\n{s}\n```");
    let with_docs = |head: String, docs: &str| {
        if docs.is_empty() {
            code(head)
        } else {
            format!("{}\n\n{docs}", code(head))
        }
    };
    match def {
        Def::Local(decl) => {
            let local = refs.local(*decl);
            let name = local.map_or("?", |l| l.name.as_str());
            match local.and_then(|l| l.ty.as_ref()) {
                Some(ty) => code(format!("{name}: {}", show(p, ty))),
                None => code(name.to_string()),
            }
        }
        Def::Fn(id) => {
            let f = p.function(*id);
            with_docs(
                format!(
                    "{}\n{}",
                    f.module,
                    signature(index, def).map(|s| s.0).unwrap_or_default()
                ),
                &f.docs,
            )
        }
        Def::Native(id) => {
            let f = p.native(*id);
            with_docs(
                format!(
                    "std.{}\n{}",
                    f.module,
                    signature(index, def).map(|s| s.0).unwrap_or_default()
                ),
                &f.docs,
            )
        }
        Def::Fuzzy(id) => {
            let f = p.fuzzy_fn(*id);
            let head = format!(
                "{}\n{}",
                f.module,
                signature(index, def).map(|s| s.0).unwrap_or_default()
            );
            let state = build(f).describe();
            format!("{}\n\n{state}", with_docs(head, &f.docs))
        }
        Def::Struct(id) => {
            let s = p.struct_def(*id);
            let fields: String = s
                .fields
                .iter()
                .map(|f| format!("    {}: {},\n", f.name, show(p, &f.ty)))
                .collect();
            with_docs(format!("{}\nstruct {} {{\n{fields}}}", s.module, s.name), &s.docs)
        }
        Def::Enum(id) => {
            let e = p.enum_def(*id);
            let variants: String = e.variants.iter().map(|v| format!("    {},\n", v.name)).collect();
            with_docs(format!("{}\nenum {} {{\n{variants}}}", e.module, e.name), &e.docs)
        }
        Def::Field(id, i) => {
            let s = p.struct_def(*id);
            let Some(f) = s.fields.get(*i as usize) else {
                return String::new();
            };
            with_docs(format!("{}.{}: {}", s.name, f.name, show(p, &f.ty)), &f.docs)
        }
        Def::Variant(id, i) => {
            let e = p.enum_def(*id);
            let Some(v) = e.variants.get(*i as usize) else {
                return String::new();
            };
            with_docs(format!("{}.{}", e.name, v.name), &v.docs)
        }
        Def::Module(name) => code(format!("use {name}")),
    }
}

/// A completion candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub label: String,
    pub kind: CandidateKind,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateKind {
    Keyword,
    Local,
    Function,
    Struct,
    Enum,
    Field,
    Variant,
    Module,
}

fn candidate_for(index: &Index, name: &str, def: &Def) -> Candidate {
    let p = index.program();
    let kind = match def {
        Def::Fn(_) | Def::Native(_) | Def::Fuzzy(_) => CandidateKind::Function,
        Def::Struct(_) => CandidateKind::Struct,
        Def::Enum(_) => CandidateKind::Enum,
        Def::Field(..) => CandidateKind::Field,
        Def::Variant(..) => CandidateKind::Variant,
        Def::Module(_) => CandidateKind::Module,
        Def::Local(_) => CandidateKind::Local,
    };
    let detail = match def {
        Def::Field(id, i) => p
            .struct_def(*id)
            .fields
            .get(*i as usize)
            .map(|f| show(p, &f.ty))
            .unwrap_or_default(),
        _ => signature(index, def).map(|s| s.0).unwrap_or_default(),
    };
    Candidate {
        label: name.to_string(),
        kind,
        detail,
    }
}

/// Completions at byte `offset` of `text` (the file of `module`).
pub fn complete(index: &Index, refs: &FileRefs, module: &str, text: &str, offset: usize) -> Vec<Candidate> {
    let before = &text[..offset.min(text.len())];
    let line = before.rsplit('\n').next().unwrap_or("");
    let partial_start = line.trim_end_matches(is_ident_char).len();
    let head = &line[..partial_start];
    if line.trim_start().starts_with("use ") {
        return index
            .module_names()
            .filter(|m| m.as_str() != "std.prelude" && m.as_str() != module)
            .map(|m| Candidate {
                label: m.clone(),
                kind: CandidateKind::Module,
                detail: String::new(),
            })
            .collect();
    }
    if let Some(receiver) = head.strip_suffix('.') {
        let chain: Vec<&str> = receiver
            .rsplit(|c: char| !is_ident_char(c) && c != '.')
            .next()
            .unwrap_or("")
            .split('.')
            .collect();
        return complete_member(index, refs, module, &chain, offset);
    }
    let mut out: Vec<Candidate> = KEYWORDS
        .iter()
        .chain(BUILTIN_TYPES)
        .map(|k| Candidate {
            label: k.to_string(),
            kind: CandidateKind::Keyword,
            detail: String::new(),
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for local in refs.locals_at(offset).into_iter().rev() {
        if seen.insert(local.name.clone()) {
            let detail = local.ty.as_ref().map(|t| show(index.program(), t)).unwrap_or_default();
            out.push(Candidate {
                label: local.name.clone(),
                kind: CandidateKind::Local,
                detail,
            });
        }
    }
    for m in [module, "std.prelude"] {
        for (name, def) in index.module_items(m) {
            if seen.insert(name.clone()) {
                out.push(candidate_for(index, name, def));
            }
        }
    }
    for r in &refs.refs {
        if let (Def::Module(name), false) = (&r.def, r.is_decl) {
            let alias = name.rsplit('.').next().unwrap_or(name).to_string();
            if seen.insert(alias.clone()) {
                out.push(Candidate {
                    label: alias,
                    kind: CandidateKind::Module,
                    detail: name.clone(),
                });
            }
        }
    }
    out
}

fn complete_member(index: &Index, refs: &FileRefs, module: &str, chain: &[&str], offset: usize) -> Vec<Candidate> {
    let p = index.program();
    let Some((first, rest)) = chain.split_first() else {
        return Vec::new();
    };
    // What the first segment names: a local's type, a module, or an enum.
    let local = refs
        .locals_at(offset)
        .into_iter()
        .rev()
        .find(|l| l.name == *first)
        .and_then(|l| l.ty.clone());
    let mut ty = match local {
        Some(ty) => ty,
        None => {
            let imported = refs.refs.iter().find_map(|r| match &r.def {
                Def::Module(m) if m.rsplit('.').next() == Some(first) => Some(m.clone()),
                _ => None,
            });
            let target = match (imported, rest) {
                (Some(m), []) => {
                    return index
                        .module_items(&m)
                        .map(|(name, def)| candidate_for(index, name, def))
                        .collect();
                }
                (Some(m), [name]) => index.module_items(&m).find(|(n, _)| n == name).map(|(_, d)| d.clone()),
                (None, []) => index.lookup(module, first),
                _ => None,
            };
            return match target {
                Some(Def::Enum(id)) => p
                    .enum_def(id)
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(i, v)| candidate_for(index, &v.name, &Def::Variant(id, i as u32)))
                    .collect(),
                _ => Vec::new(),
            };
        }
    };
    for field in rest {
        let Ty::Struct(id) = ty else { return Vec::new() };
        let Some(f) = p.struct_def(id).fields.iter().find(|f| f.name == *field) else {
            return Vec::new();
        };
        ty = f.ty.clone();
    }
    let mut out = Vec::new();
    if let Ty::Struct(id) = ty {
        for (i, f) in p.struct_def(id).fields.iter().enumerate() {
            out.push(candidate_for(index, &f.name, &Def::Field(id, i as u32)));
        }
    }
    for (name, def) in index.methods(module, &ty) {
        out.push(candidate_for(index, name, def));
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The call around byte `offset`: the callee as written (`f`, `text.len`, `xs.push`) and the index of the argument
/// the cursor is in.
pub fn enclosing_call(text: &str, offset: usize) -> Option<(String, usize)> {
    let before = text.get(..offset.min(text.len()))?;
    let mut depth = 0usize;
    let mut commas = 0;
    let mut in_string = false;
    for (i, c) in before.char_indices().rev() {
        match c {
            '"' => in_string = !in_string,
            _ if in_string => {}
            ')' | ']' => depth += 1,
            '(' | '[' if depth > 0 => depth -= 1,
            '(' => {
                let callee = before[..i].trim_end();
                let start = callee.trim_end_matches(|c: char| is_ident_char(c) || c == '.').len();
                let callee = &callee[start..];
                return (!callee.is_empty()).then(|| (callee.to_string(), commas));
            }
            '[' => return None,
            ',' if depth == 0 => commas += 1,
            '\n' | ';' | '{' | '}' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// The definition a written callee (`f`, `helpers.f`, `x.method`) names at `offset`, and whether the receiver
/// supplies the first parameter.
pub fn callee_def(index: &Index, refs: &FileRefs, module: &str, callee: &str, offset: usize) -> Option<(Def, bool)> {
    let segments: Vec<&str> = callee.split('.').collect();
    match segments.as_slice() {
        [name] => index.lookup(module, name).map(|d| (d, false)),
        [receiver, name] => {
            let local = refs
                .locals_at(offset)
                .into_iter()
                .rev()
                .find(|l| l.name == *receiver)
                .and_then(|l| l.ty.clone());
            if let Some(ty) = local {
                return index
                    .methods(module, &ty)
                    .into_iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, d)| (d.clone(), true));
            }
            let m = refs.refs.iter().find_map(|r| match &r.def {
                Def::Module(m) if m.rsplit('.').next() == Some(receiver) => Some(m.clone()),
                _ => None,
            })?;
            index
                .module_items(&m)
                .find(|(n, _)| n == name)
                .map(|(_, d)| (d.clone(), false))
        }
        _ => None,
    }
}

/// Semantic token types, in the legend's order.
pub const TOKEN_TYPES: &[&str] = &[
    "keyword",
    "string",
    "number",
    "comment",
    "function",
    "variable",
    "struct",
    "enum",
    "enumMember",
    "property",
    "namespace",
    "type",
    "operator",
];
/// Semantic token modifiers, in the legend's order (bit positions).
pub const TOKEN_MODIFIERS: &[&str] = &["declaration", "documentation"];

/// One classified token: byte range, index into [`TOKEN_TYPES`], modifier bits.
pub struct SemanticToken {
    pub start: u32,
    pub end: u32,
    pub ty: u32,
    pub modifiers: u32,
}

/// Tokens of the whole file, names classified by what they resolve to.
pub fn semantic_tokens(lexemes: &[Lexeme], text: &str, refs: &FileRefs) -> Vec<SemanticToken> {
    let kind = |name: &str| TOKEN_TYPES.iter().position(|t| *t == name).expect("in legend") as u32;
    let mut by_start: std::collections::HashMap<u32, &crate::resolve::Ref> = Default::default();
    for r in &refs.refs {
        by_start.insert(r.span.start, r);
    }
    let mut out = Vec::new();
    for lexeme in lexemes {
        let Ok(token) = lexeme.token else { continue };
        let (ty, modifiers) = match token {
            Token::Ident => {
                let word = &text[lexeme.start as usize..lexeme.end as usize];
                match by_start.get(&lexeme.start) {
                    Some(r) => {
                        let ty = match r.def {
                            Def::Local(_) => "variable",
                            Def::Fn(_) | Def::Native(_) | Def::Fuzzy(_) => "function",
                            Def::Struct(_) => "struct",
                            Def::Enum(_) => "enum",
                            Def::Field(..) => "property",
                            Def::Variant(..) => "enumMember",
                            Def::Module(_) => "namespace",
                        };
                        (kind(ty), u32::from(r.is_decl))
                    }
                    None if BUILTIN_TYPES.contains(&word) => (kind("type"), 0),
                    None => continue,
                }
            }
            Token::Int | Token::Float => (kind("number"), 0),
            Token::Str => (kind("string"), 0),
            Token::Comment => {
                let comment = &text[lexeme.start as usize..lexeme.end as usize];
                (
                    kind("comment"),
                    if paw_syntax::lexer::is_doc_comment(comment) {
                        2
                    } else {
                        0
                    },
                )
            }
            Token::Question | Token::QuestionQuestion | Token::Arrow | Token::FatArrow => (kind("operator"), 0),
            t if is_keyword(t) => (kind("keyword"), 0),
            _ => continue,
        };
        out.push(SemanticToken {
            start: lexeme.start,
            end: lexeme.end,
            ty,
            modifiers,
        });
    }
    out
}

fn is_keyword(t: Token) -> bool {
    use Token::*;
    matches!(
        t,
        Fn | Fuzzy
            | Native
            | Let
            | Mut
            | If
            | Else
            | While
            | For
            | In
            | Match
            | Return
            | Break
            | Continue
            | Struct
            | Enum
            | Use
            | Test
            | True
            | False
            | None
    )
}

/// Every definition whose name contains `query` (case-insensitively), for workspace symbols.
pub fn matching_items<'a>(items: &'a [ItemSummary], query: &str) -> Vec<&'a ItemSummary> {
    let query = query.to_lowercase();
    let mut out = Vec::new();
    for item in items {
        if item.kind != ItemKind::Test && item.name.to_lowercase().contains(&query) {
            out.push(item);
        }
        out.extend(item.children.iter().filter(|c| c.name.to_lowercase().contains(&query)));
    }
    out
}

/// Whether `name` can replace an identifier.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(is_ident_char)
        && !KEYWORDS.contains(&name)
        && !BUILTIN_TYPES.contains(&name)
}

/// The spans of every fuzzy fn's name in a file's items, for code lenses.
pub fn fuzzy_names(items: &[ItemSummary]) -> Vec<(String, Span)> {
    items
        .iter()
        .filter(|i| i.kind == ItemKind::Fuzzy)
        .map(|i| (i.name.clone(), i.name_span))
        .collect()
}
