//! Docstrings: attaching `///` lines to what they document, splitting a fuzzy fn's docstring into its
//! description and `>>>` examples, and the value-literal syntax those examples are written in.

use std::collections::HashMap;

use paw_diagnostics::{Diagnostic, FileId, Label, Span};

use crate::ast::*;
use crate::depth::MAX_DEPTH;
use crate::lexer::Token;

/// Gives each run of doc lines to the item, field or variant that starts right after it; runs followed by
/// anything else are reported (a warning: the code still means the same).
pub(crate) fn attach(items: &mut [Item], doc_lines: Vec<Comment>, tokens: &[(usize, Token, usize)]) -> Vec<Diagnostic> {
    let mut runs: HashMap<u32, (Docs, Span)> = HashMap::new();
    for line in doc_lines {
        let next = tokens.get(tokens.partition_point(|t| t.0 < line.span.end as usize));
        let target = next.map_or(u32::MAX, |t| t.0 as u32);
        let (docs, span) = runs.entry(target).or_insert_with(|| (Docs::default(), line.span));
        *span = span.to(line.span);
        docs.lines.push(doc_line(&line));
    }
    let mut take = |span: Span| runs.remove(&span.start).map(|(docs, _)| docs).unwrap_or_default();
    for item in items.iter_mut() {
        match item {
            Item::Fn(f) => f.docs = take(f.span),
            Item::Fuzzy(f) => f.docs = take(f.span),
            Item::Struct(s) => {
                s.docs = take(s.span);
                for field in &mut s.fields {
                    field.docs = take(field.span);
                }
            }
            Item::Enum(e) => {
                e.docs = take(e.span);
                for variant in &mut e.variants {
                    variant.docs = take(variant.span);
                }
            }
            Item::Use(_) | Item::Test(_) | Item::Error(_) => {}
        }
    }
    let mut dangling: Vec<Span> = runs.into_values().map(|(_, span)| span).collect();
    dangling.sort_by_key(|s| s.start);
    dangling
        .into_iter()
        .map(|span| {
            Diagnostic::warning(
                "W0001",
                "this doc comment documents nothing",
                Label::new(span, "not attached"),
            )
            .with_help(
                "`///` lines go directly above a `fn`, `fuzzy fn`, `struct`, `enum`, field or variant; \
                     use `//` for an ordinary comment",
            )
        })
        .collect()
}

/// A `///` comment as a doc line: the text after `///` and one space, with its span.
fn doc_line(comment: &Comment) -> DocLine {
    let after = &comment.text[3..];
    let skip = 3 + usize::from(after.starts_with(' '));
    let start = comment.span.start as usize + skip;
    DocLine {
        text: comment.text[skip..].to_string(),
        span: Span::new(comment.span.file, start, comment.span.end as usize),
    }
}

/// Fills `description` and `examples` of a fuzzy fn from its docs.
pub(crate) fn split_examples(file: FileId, text: &str, f: &mut FuzzyFnDecl) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut description = Vec::new();
    let mut lines = f.docs.lines.iter().peekable();
    while let Some(line) = lines.next() {
        let Some(call) = line.text.trim_start().strip_prefix(">>>") else {
            description.push(line.text.as_str());
            continue;
        };
        let call_start = line.span.start as usize + (line.text.len() - call.len());
        let call_span = line.span;
        let expected_line =
            lines.next_if(|next| !next.text.trim().is_empty() && !next.text.trim_start().starts_with(">>>"));
        let Some(expected_line) = expected_line else {
            diagnostics.push(
                Diagnostic::error(
                    "E0015",
                    "this example has no expected value",
                    Label::new(call_span, "example"),
                )
                .with_help("write the value the call should return on the next `///` line"),
            );
            continue;
        };
        let mut p = ValueParser::new(file, text, call_start, call_start + call.len());
        let Some((callee, args)) = p.call() else {
            diagnostics.extend(p.diagnostics);
            continue;
        };
        diagnostics.extend(p.diagnostics);
        let (expected, mut errors) =
            parse_value(file, &text[..expected_line.span.end as usize], expected_line.span.start);
        diagnostics.append(&mut errors);
        f.examples.push(Example {
            callee,
            args,
            expected,
            call_span,
        });
    }
    while description.last().is_some_and(|l| l.trim().is_empty()) {
        description.pop();
    }
    f.description = description.join("\n");
    diagnostics
}

/// Parses one value literal (a docstring example's value or a test case's): `text[base_offset..]` must hold
/// exactly one value. Spans are absolute in `file`.
pub fn parse_value(file: FileId, text: &str, base_offset: u32) -> (ValueLit, Vec<Diagnostic>) {
    let mut p = ValueParser::new(file, text, base_offset as usize, text.len());
    let value = p.value(0);
    p.skip_ws();
    if value.kind != ValueLitKind::Error && p.pos < p.end {
        let span = p.span(p.pos, p.end);
        p.error(
            span,
            "unexpected text after the value",
            "write exactly one value on this line",
        );
    }
    (value, p.diagnostics)
}

/// A small recursive-descent parser for value literals; nesting is bounded by [`MAX_DEPTH`].
struct ValueParser<'a> {
    file: FileId,
    text: &'a str,
    pos: usize,
    end: usize,
    diagnostics: Vec<Diagnostic>,
}

const VALUE_HELP: &str = "a value is a literal: \"text\" (JSON escapes), 42, 1.5, true, false, none, a bare enum \
                          variant, a list [a, b], or an object {field: value}";

impl<'a> ValueParser<'a> {
    fn new(file: FileId, text: &'a str, pos: usize, end: usize) -> Self {
        ValueParser {
            file,
            text,
            pos: pos.min(end),
            end,
            diagnostics: Vec::new(),
        }
    }

    fn span(&self, l: usize, r: usize) -> Span {
        Span::new(self.file, l, r)
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..self.end]
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.rest().starts_with(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn error(&mut self, span: Span, message: &str, help: &str) {
        let code = "E0016";
        self.diagnostics
            .push(Diagnostic::error(code, message, Label::new(span, "here")).with_help(help));
    }

    /// `name(arg, ...)` filling the rest of the line.
    fn call(&mut self) -> Option<(Ident, Vec<ValueLit>)> {
        self.skip_ws();
        let start = self.pos;
        let name = self.word();
        let args = if !name.is_empty() && self.eat('(') {
            self.list_until(')', 0)
        } else {
            None
        };
        self.skip_ws();
        match args {
            Some(args) if self.pos == self.end => Some((
                Ident {
                    name: name.to_string(),
                    span: self.span(start, start + name.len()),
                },
                args,
            )),
            _ => {
                let span = self.span(start, self.end);
                if self.diagnostics.is_empty() {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "E0017",
                            "this `>>>` line is not a call",
                            Label::new(span, "expected `name(args)`"),
                        )
                        .with_help("write the example as `/// >>> name(arg, ...)`, then its result on the next line"),
                    );
                }
                None
            }
        }
    }

    fn word(&mut self) -> &'a str {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = &rest[..len];
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            return "";
        }
        self.pos += len;
        word
    }

    /// Comma-separated values up to `close` (trailing comma allowed); `None` after reporting an error.
    fn list_until(&mut self, close: char, depth: u32) -> Option<Vec<ValueLit>> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Some(items);
            }
            let item = self.value(depth + 1);
            if item.kind == ValueLitKind::Error {
                return None;
            }
            items.push(item);
            if !self.eat(',') {
                if self.eat(close) {
                    return Some(items);
                }
                self.expected(&format!("`,` or `{close}`"));
                return None;
            }
        }
    }

    fn expected(&mut self, what: &str) {
        self.skip_ws();
        let end = self.rest().chars().next().map_or(self.pos, |c| self.pos + c.len_utf8());
        let span = self.span(self.pos, end);
        let found = if end == self.pos {
            "the end of the line".to_string()
        } else {
            format!("`{}`", &self.text[self.pos..end])
        };
        self.error(span, &format!("expected {what}, found {found}"), VALUE_HELP);
    }

    fn value(&mut self, depth: u32) -> ValueLit {
        self.skip_ws();
        let start = self.pos;
        if depth >= MAX_DEPTH {
            let span = self.span(start, self.end);
            self.error(span, "this value is nested too deeply", "flatten the value");
            self.pos = self.end;
            return ValueLit {
                kind: ValueLitKind::Error,
                span,
            };
        }
        let rest = self.rest();
        let kind = match rest.chars().next() {
            Some('"') => self.string(),
            Some('[') => {
                self.pos += 1;
                self.list_until(']', depth)
                    .map_or(ValueLitKind::Error, ValueLitKind::List)
            }
            Some('{') => {
                self.pos += 1;
                self.object(depth)
            }
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() || c == '_' => match self.word() {
                "true" => ValueLitKind::Bool(true),
                "false" => ValueLitKind::Bool(false),
                "null" | "none" => ValueLitKind::Null,
                w => ValueLitKind::Word(w.to_string()),
            },
            _ => {
                self.expected("a value");
                ValueLitKind::Error
            }
        };
        ValueLit {
            kind,
            span: self.span(start, self.pos),
        }
    }

    fn string(&mut self) -> ValueLitKind {
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let mut i = 1;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        let len = (i + 1).min(rest.len());
        let literal = &rest[..len];
        let start = self.pos;
        self.pos += len;
        match serde_json::from_str::<String>(literal) {
            Ok(s) => ValueLitKind::Str(s),
            Err(_) => {
                let span = self.span(start, self.pos);
                self.error(
                    span,
                    "invalid string literal",
                    "strings are JSON strings: double quotes, escapes like `\\n`, `\\\"` and `\\u00e9`",
                );
                ValueLitKind::Error
            }
        }
    }

    fn number(&mut self) -> ValueLitKind {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_digit()
                    || ".eE_+".contains(c)
                    || (c == '-' && (i == 0 || rest[..i].ends_with(['e', 'E']))))
            })
            .map_or(rest.len(), |(i, _)| i);
        let literal = rest[..len].replace('_', "");
        let start = self.pos;
        self.pos += len;
        let is_float = literal.contains(['.', 'e', 'E']);
        let parsed = if is_float {
            literal
                .parse()
                .ok()
                .filter(|f: &f64| f.is_finite())
                .map(ValueLitKind::Float)
        } else {
            literal.parse().ok().map(ValueLitKind::Int)
        };
        parsed.unwrap_or_else(|| {
            let span = self.span(start, self.pos);
            self.error(
                span,
                "invalid number",
                "write an integer like `42` or `-7`, or a float like `0.5` or `1e-3`",
            );
            ValueLitKind::Error
        })
    }

    fn object(&mut self, depth: u32) -> ValueLitKind {
        let mut fields = Vec::new();
        loop {
            if self.eat('}') {
                return ValueLitKind::Object(fields);
            }
            self.skip_ws();
            let start = self.pos;
            let key = if self.rest().starts_with('"') {
                match self.string() {
                    ValueLitKind::Str(s) => s,
                    _ => return ValueLitKind::Error,
                }
            } else {
                self.word().to_string()
            };
            if key.is_empty() && self.pos == start {
                self.expected("a field name");
                return ValueLitKind::Error;
            }
            let key = Ident {
                name: key,
                span: self.span(start, self.pos),
            };
            if !self.eat(':') {
                self.expected("`:`");
                return ValueLitKind::Error;
            }
            let value = self.value(depth + 1);
            if value.kind == ValueLitKind::Error {
                return ValueLitKind::Error;
            }
            fields.push((key, value));
            if !self.eat(',') {
                if self.eat('}') {
                    return ValueLitKind::Object(fields);
                }
                self.expected("`,` or `}`");
                return ValueLitKind::Error;
            }
        }
    }
}
