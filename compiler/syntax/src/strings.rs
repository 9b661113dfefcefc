//! String literals: escapes and `{expr}` interpolation.
//!
//! The lexer hands over a whole literal (see [`crate::lexer::string_end`]); here it is split into literal parts
//! and interpolations, and each interpolation is parsed with the expression grammar at its absolute offset, so
//! spans inside `"{a + b}"` point at `a + b` in the file.

use lalrpop_util::ErrorRecovery;
use paw_diagnostics::{Diagnostic, Label, Span};

use crate::ast::{Expr, ExprKind, StrPart};
use crate::depth::{max_depth, Deep};
use crate::grammar::InterpExprParser;
use crate::lexer::{interp_end, string_end, StringEnd};
use crate::parser::State;

/// How many string literals may nest inside each other's interpolations. Each level is a nested parse, so this
/// bounds the stack the parser uses.
const MAX_STRING_NESTING: u32 = 16;

/// The content of the literal at `l..r` (without its quotes) as a byte range; a missing closing quote (already
/// reported by the lexer) is tolerated.
fn content(text: &str, l: usize, r: usize) -> (usize, usize) {
    let closed = matches!(string_end(&text[l + 1..r]), StringEnd::Closed(len) if l + 1 + len == r);
    (l + 1, if closed { r - 1 } else { r })
}

/// Parses the string literal token at `l..r` into an [`ExprKind::Str`].
pub(crate) fn string_expr(text: &str, st: &mut State, l: usize, r: usize) -> Deep<Expr> {
    let mut parts = Vec::new();
    let (start, end) = content(text, l, r);
    scan(text, st, start, end, &mut |st, part| {
        let part = match part {
            Piece::Lit(s) => Deep::leaf(StrPart::Lit(s)),
            Piece::Interp(a, b) => {
                let e = parse_interp(text, st, a, b);
                Deep {
                    depth: e.depth,
                    node: StrPart::Interp(e.node),
                }
            }
        };
        parts.push(part);
    });
    let d = max_depth(&parts);
    st.expr(ExprKind::Str(parts.into_iter().map(|p| p.node).collect()), l, r, d)
}

/// The value of a string literal that must be plain text (a test name, a pattern): interpolations are reported.
pub(crate) fn plain_string(text: &str, st: &mut State, span: Span) -> String {
    let mut out = String::new();
    let (start, end) = content(text, span.start as usize, span.end as usize);
    scan(text, st, start, end, &mut |st, part| match part {
        Piece::Lit(s) => out.push_str(&s),
        Piece::Interp(a, b) => st.diagnostics.push(
            Diagnostic::error(
                "E0025",
                "interpolation is not allowed here",
                Label::new(
                    Span::new(st.file, a - 1, b + 1),
                    "this `{..}` would be computed at run time",
                ),
            )
            .with_help("this string must be plain text; write `\\{` and `\\}` for literal braces"),
        ),
    });
    out
}

enum Piece {
    Lit(String),
    /// The byte range between the braces.
    Interp(usize, usize),
}

/// Walks a literal's content, unescaping text and reporting bad escapes, and hands out its pieces in order.
fn scan(text: &str, st: &mut State, start: usize, end: usize, emit: &mut dyn FnMut(&mut State, Piece)) {
    let mut lit = String::new();
    let mut i = start;
    while i < end {
        let c = text[i..].chars().next().expect("i is a char boundary before end");
        match c {
            '\\' => i = unescape(text, st, i, end, &mut lit),
            '{' => match interp_end(&text[i + 1..end]) {
                StringEnd::Closed(len) => {
                    let close = i + len;
                    if !lit.is_empty() {
                        emit(st, Piece::Lit(std::mem::take(&mut lit)));
                    }
                    if text[i + 1..close].trim().is_empty() {
                        st.diagnostics.push(
                            Diagnostic::error(
                                "E0023",
                                "empty interpolation in a string",
                                Label::new(Span::new(st.file, i, close + 1), "nothing to interpolate"),
                            )
                            .with_help("put an expression between the braces, or write `\\{` for a literal `{`"),
                        );
                    } else {
                        emit(st, Piece::Interp(i + 1, close));
                    }
                    i = close + 1;
                }
                // Only in a literal missing its closing quote, which the lexer reported.
                StringEnd::Open(_) => i = end,
            },
            _ => {
                lit.push(c);
                i += c.len_utf8();
            }
        }
    }
    if !lit.is_empty() {
        emit(st, Piece::Lit(lit));
    }
}

/// Unescapes the escape starting at `i` (a `\`) into `out`; returns the index after it.
fn unescape(text: &str, st: &mut State, i: usize, end: usize, out: &mut String) -> usize {
    let Some(c) = text[i + 1..end].chars().next() else {
        return end;
    };
    let simple = match c {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        '\\' => Some('\\'),
        '"' => Some('"'),
        '{' => Some('{'),
        '}' => Some('}'),
        _ => None,
    };
    if let Some(s) = simple {
        out.push(s);
        return i + 2;
    }
    if c == 'u' {
        if let Some(rest) = text[i + 2..end].strip_prefix('{') {
            if let Some(close) = rest.find('}') {
                let hex = &rest[..close];
                let after = i + 3 + close + 1;
                let value = (1..=6)
                    .contains(&hex.len())
                    .then(|| u32::from_str_radix(hex, 16).ok())
                    .flatten();
                match value.and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => st.diagnostics.push(
                        Diagnostic::error(
                            "E0003",
                            format!("`\\u{{{hex}}}` is not a valid unicode character"),
                            Label::new(Span::new(st.file, i, after), "invalid unicode escape"),
                        )
                        .with_help("write 1 to 6 hex digits naming a unicode scalar value, like `\\u{1F600}`"),
                    ),
                }
                return after;
            }
        }
    }
    let after = i + 1 + c.len_utf8();
    st.diagnostics.push(
        Diagnostic::error(
            "E0003",
            format!("unknown escape `\\{c}`"),
            Label::new(Span::new(st.file, i, after), "not a valid escape"),
        )
        .with_help("valid escapes are `\\n \\t \\r \\\\ \\\" \\{ \\}` and `\\u{XXXX}`; write `\\\\` for a backslash"),
    );
    after
}

fn parse_interp(text: &str, st: &mut State, a: usize, b: usize) -> Deep<Expr> {
    let span = Span::new(st.file, a, b);
    if st.string_nesting >= MAX_STRING_NESTING {
        st.depth.too_deep(span);
        return Deep::leaf(Expr {
            kind: ExprKind::Error,
            span,
        });
    }
    let tokens = st.tokens(text, a, b, None);
    st.string_nesting += 1;
    let result = InterpExprParser::new().parse(text, st, tokens.into_iter().map(Ok));
    st.string_nesting -= 1;
    match result {
        Ok(e) => e,
        Err(error) => {
            st.recovered.push(ErrorRecovery {
                error,
                dropped_tokens: Vec::new(),
            });
            Deep::leaf(Expr {
                kind: ExprKind::Error,
                span,
            })
        }
    }
}
