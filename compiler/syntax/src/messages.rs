//! Syntax diagnostics: turning what the lexer and the grammar reject into messages in the user's terms.
//!
//! The grammar knows only "expected one of these tokens"; here that becomes "expected an expression, found `}`"
//! and, where the mistake is a familiar one (a missing `;`, `=` for `==`, `elif`, a `Point { .. }` literal), a
//! message and a help about that mistake instead.

use lalrpop_util::ParseError;
use paw_diagnostics::{Diagnostic, FileId, Label, Span};

use crate::ast::Ident;
use crate::lexer::Token;
use crate::parser::Recovered;

pub(crate) fn unterminated_string(span: Span) -> Diagnostic {
    Diagnostic::error(
        "E0002",
        "unterminated string",
        Label::new(span, "this string has no closing `\"`"),
    )
    .with_help("add a `\"` at the end of the string; a string ends on its line, so write `\\n` for a line break")
}

pub(crate) fn invalid_char(span: Span, piece: &str) -> Diagnostic {
    let (message, help) = match piece {
        "\0" => (
            "a NUL byte is not allowed in source code".to_string(),
            "remove it: `.pw` files are text".to_string(),
        ),
        "'" => (
            "`'` is not a paw token".to_string(),
            "strings are written with double quotes: `\"text\"`".to_string(),
        ),
        _ => {
            let shown: String = piece.chars().flat_map(char::escape_debug).collect();
            (
                format!("unexpected character `{shown}`"),
                "remove it, or put it inside a string".to_string(),
            )
        }
    };
    Diagnostic::error("E0001", message, Label::new(span, "not valid here")).with_help(help)
}

pub(crate) fn int_too_large(span: Span) -> Diagnostic {
    Diagnostic::error(
        "E0004",
        "integer literal is too large",
        Label::new(span, "does not fit in 64 bits"),
    )
    .with_help("`int` holds values from -9223372036854775808 to 9223372036854775807; use a `float` for larger numbers")
}

pub(crate) fn fuzzy_body(body: Span) -> Diagnostic {
    Diagnostic::error(
        "E0022",
        "a `fuzzy fn` cannot have a body",
        Label::new(body, "remove this body"),
    )
    .with_help("a fuzzy fn is specified by its `///` docstring and examples; write an ordinary `fn` to give code")
}

pub(crate) fn call_pattern(name: &Ident) -> Diagnostic {
    Diagnostic::error(
        "E0024",
        format!("`{}(..)` is not a pattern", name.name),
        Label::new(name.span, "only `some` takes a pattern in parentheses"),
    )
    .with_help("match an optional with `some(x)` and `none`; enum variants are matched by their bare name")
}

/// Diagnostics for the grammar's errors: brackets first (one unbalanced bracket explains every error after it),
/// then one diagnostic per line for the rest.
pub(crate) fn syntax_errors(
    file: FileId,
    text: &str,
    tokens: &[(usize, Token, usize)],
    recovered: Vec<Recovered>,
    unterminated_strings: &[usize],
) -> Vec<Diagnostic> {
    let ctx = Context { file, text, tokens };
    let (mut out, cutoff) = ctx.brackets();
    // A string missing its `"` swallows the brackets after it on its line: a bracket problem that spans one is
    // a consequence, not a second mistake.
    let first_label = out
        .iter()
        .flat_map(|d| d.secondary.iter().chain([&d.primary]))
        .map(|l| l.span.start as usize)
        .min();
    if first_label.is_some_and(|first| unterminated_strings.iter().any(|&u| u >= first)) {
        out.clear();
    }
    let mut errors: Vec<_> = recovered.into_iter().map(|r| r.error).collect();
    errors.sort_by_key(error_location);
    let mut last_line = None;
    for error in errors {
        let at = error_location(&error);
        let line = text[..at.min(text.len())].matches('\n').count();
        let after_unterminated = ctx.tokens[..ctx.index_of(at)]
            .last()
            .is_some_and(|p| unterminated_strings.contains(&p.2));
        if cutoff.is_some_and(|c| at >= c) || last_line == Some(line) || after_unterminated {
            continue;
        }
        if let Some(d) = ctx.describe(error) {
            last_line = Some(line);
            out.push(d);
        }
    }
    out
}

fn error_location(error: &ParseError<usize, Token, ()>) -> usize {
    match error {
        ParseError::InvalidToken { location } | ParseError::UnrecognizedEof { location, .. } => *location,
        ParseError::UnrecognizedToken { token, .. } | ParseError::ExtraToken { token } => token.0,
        ParseError::User { .. } => 0,
    }
}

struct Context<'a> {
    file: FileId,
    text: &'a str,
    tokens: &'a [(usize, Token, usize)],
}

impl Context<'_> {
    fn span(&self, l: usize, r: usize) -> Span {
        Span::new(self.file, l, r)
    }

    fn slice(&self, token: (usize, Token, usize)) -> &str {
        &self.text[token.0..token.2]
    }

    /// Reports unclosed and mismatched brackets; returns the offset from which other errors are consequences.
    fn brackets(&self) -> (Vec<Diagnostic>, Option<usize>) {
        let mut open: Vec<(usize, Token, usize)> = Vec::new();
        for &tok in self.tokens {
            match tok.1 {
                Token::LParen | Token::LBracket | Token::LBrace => open.push(tok),
                Token::RParen | Token::RBracket | Token::RBrace => match open.last() {
                    Some(&o) if closer(o.1) == tok.1 => {
                        open.pop();
                    }
                    Some(&o) => {
                        let d = Diagnostic::error(
                            "E0008",
                            format!("mismatched closing `{}`", self.slice(tok)),
                            Label::new(
                                self.span(tok.0, tok.2),
                                format!("expected `{}` here", name(closer(o.1))),
                            ),
                        )
                        .with_label(Label::new(self.span(o.0, o.2), "to close this"))
                        .with_help(format!(
                            "close the `{}` with `{}` first",
                            self.slice(o),
                            name(closer(o.1))
                        ));
                        return (vec![d], Some(o.0.min(tok.0)));
                    }
                    None => {
                        let d = Diagnostic::error(
                            "E0008",
                            format!("unexpected closing `{}`", self.slice(tok)),
                            Label::new(self.span(tok.0, tok.2), "nothing to close here"),
                        )
                        .with_help(format!(
                            "remove this `{}`, or add the opening bracket it belongs to",
                            self.slice(tok)
                        ));
                        return (vec![d], Some(tok.0));
                    }
                },
                _ => {}
            }
        }
        let Some(&o) = open.first() else {
            return (Vec::new(), None);
        };
        let innermost = *open.last().expect("open is not empty");
        let last = *self.tokens.last().expect("an open bracket is a token");
        let d = Diagnostic::error(
            "E0007",
            format!("unclosed `{}`", self.slice(innermost)),
            Label::new(self.span(innermost.0, innermost.2), "this bracket is never closed"),
        )
        .with_label(Label::new(
            self.span(last.0, last.2),
            format!("the file ends here, expected `{}`", name(closer(innermost.1))),
        ))
        .with_help(format!(
            "add the matching `{}` where the construct ends",
            name(closer(innermost.1))
        ));
        (vec![d], Some(o.0.max(innermost.0)))
    }

    fn index_of(&self, at: usize) -> usize {
        self.tokens.partition_point(|t| t.0 < at)
    }

    fn describe(&self, error: ParseError<usize, Token, ()>) -> Option<Diagnostic> {
        match error {
            ParseError::UnrecognizedToken { token, expected } => Some(self.unexpected(token, &expected)),
            ParseError::ExtraToken { token } => Some(self.unexpected(token, &[])),
            ParseError::UnrecognizedEof { location, expected } => {
                let at = location.min(self.text.len());
                if self.text[at..].trim_start().starts_with('}') {
                    // An interpolation's expression ends at its `}`, not at the end of the file.
                    return Some(
                        Diagnostic::error(
                            "E0005",
                            format!(
                                "expected {}, found the end of the interpolation",
                                expected_words(&expected)
                            ),
                            Label::new(self.span(at, at + 1), "the interpolation ends here"),
                        )
                        .with_help("complete the expression inside `{..}`, or write `\\{` for a literal brace"),
                    );
                }
                Some(
                    Diagnostic::error(
                        "E0020",
                        format!("unexpected end of file, expected {}", expected_words(&expected)),
                        Label::new(self.span(at, at), "the file ends here"),
                    )
                    .with_help("finish the last item, or remove its incomplete start"),
                )
            }
            ParseError::InvalidToken { .. } | ParseError::User { .. } => None,
        }
    }

    fn unexpected(&self, token: (usize, Token, usize), expected: &[String]) -> Diagnostic {
        let i = self.index_of(token.0);
        // The token before this one; none when the token is inside another (an interpolation's, inside its
        // string literal's).
        let prev = i.checked_sub(1).map(|p| self.tokens[p]).filter(|p| p.2 <= token.0);
        let next = |k: usize| self.tokens.get(i + k).map(|t| t.1);
        let span = self.span(token.0, token.2);
        let found = describe_token(token.1, self.slice(token));
        let expects = |s: &str| expected.iter().any(|e| e.trim_matches('"') == s);

        if let Some(p) = prev.filter(|p| p.1 == Token::Ident && self.slice(*p) == "elif") {
            return Diagnostic::error(
                "E0012",
                "paw has no `elif`",
                Label::new(self.span(p.0, p.2), "not a keyword"),
            )
            .with_help("write `else if`");
        }
        if token.1 == Token::Eq && (expects("==") || expects("{")) {
            return Diagnostic::error(
                "E0009",
                "`=` assigns; it cannot compare",
                Label::new(span, "assignment here"),
            )
            .with_help("to compare two values, write `==`");
        }
        if let Some(p) = prev.filter(|p| {
            token.1 == Token::LBrace
                && p.1 == Token::Ident
                && self.slice(*p).starts_with(|c: char| c.is_ascii_uppercase())
                && next(1) == Some(Token::Ident)
                && next(2) == Some(Token::Colon)
        }) {
            let name = self.slice(p);
            return Diagnostic::error(
                "E0011",
                format!("`{name} {{ .. }}` is not how a struct is built"),
                Label::new(span, "struct literals use parentheses"),
            )
            .with_help(format!(
                "construct a struct with labelled arguments: `{name}(field: value, ..)`"
            ));
        }
        if is_comparison(token.1) && !expects(self.slice(token)) {
            return Diagnostic::error(
                "E0019",
                "comparison operators cannot be chained",
                Label::new(span, "second comparison"),
            )
            .with_help("compare twice and combine with `&&`: `a < b && b < c`");
        }
        if token.1 == Token::Semi && expects("=") && self.statement_starts_with_let(i) {
            return Diagnostic::error(
                "E0010",
                "`let` without a value",
                Label::new(span, "expected `=` and a value"),
            )
            .with_help("give the binding a value: `let x = 0;` (for an empty optional: `let x: int? = none;`)");
        }
        if let Some(p) = prev.filter(|p| expects(";") && self.text[p.2..token.0].contains('\n')) {
            return Diagnostic::error(
                "E0006",
                format!("missing `;` before {found}"),
                Label::new(self.span(p.0, p.2), "expected `;` after this"),
            )
            .with_help("add `;` at the end of the statement");
        }
        let help = if is_item_keyword(token.1) && !expects(self.slice(token)) {
            "items such as `fn` go at the top level of a file; is a `}` missing before this?".to_string()
        } else {
            format!("write {} here, or remove {found}", expected_words(expected))
        };
        let message = if expected.is_empty() {
            format!("unexpected {found}")
        } else {
            format!("expected {}, found {found}", expected_words(expected))
        };
        Diagnostic::error("E0005", message, Label::new(span, "unexpected here")).with_help(help)
    }

    /// Whether the statement containing token `i` begins with `let`.
    fn statement_starts_with_let(&self, i: usize) -> bool {
        self.tokens[..i]
            .iter()
            .rev()
            .take_while(|t| !matches!(t.1, Token::Semi | Token::LBrace | Token::RBrace))
            .last()
            .is_some_and(|t| t.1 == Token::Let)
    }
}

fn closer(open: Token) -> Token {
    match open {
        Token::LParen => Token::RParen,
        Token::LBracket => Token::RBracket,
        _ => Token::RBrace,
    }
}

fn name(bracket: Token) -> &'static str {
    match bracket {
        Token::RParen => ")",
        Token::RBracket => "]",
        _ => "}",
    }
}

fn is_comparison(t: Token) -> bool {
    matches!(
        t,
        Token::EqEq | Token::NotEq | Token::Lt | Token::Le | Token::Gt | Token::Ge
    )
}

fn is_item_keyword(t: Token) -> bool {
    matches!(
        t,
        Token::Fn | Token::Fuzzy | Token::Native | Token::Struct | Token::Enum | Token::Use | Token::Test
    )
}

fn describe_token(token: Token, text: &str) -> String {
    match token {
        Token::Ident => format!("`{text}`"),
        Token::Int | Token::Float => format!("the number `{text}`"),
        Token::Str => "a string".to_string(),
        _ if text.starts_with(|c: char| c.is_ascii_lowercase()) => format!("the keyword `{text}`"),
        _ => format!("`{text}`"),
    }
}

const EXPRESSION_STARTS: &[&str] = &[
    "Ident", "IntLit", "FloatLit", "StrLit", "true", "false", "none", "(", "[", "-", "!", "|", "||", "if", "match", "{",
];
const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "??", "..", ".", "(", "[", "=", "+=", "-=",
    "*=", "/=",
];
const ITEM_STARTS: &[&str] = &["fn", "fuzzy", "native", "struct", "enum", "use", "test"];
/// Shown first: the tokens a user most often forgot.
const FIRST: &[&str] = &[";", "}", ")", "]", ",", "=>", "=", ":", "{"];

/// "`;`, `}` or an expression" from lalrpop's list of expected terminals.
fn expected_words(expected: &[String]) -> String {
    let mut names: Vec<&str> = expected.iter().map(|e| e.trim_matches('"')).collect();
    let mut words = Vec::new();
    let groups: [(&[&str], &[&str], &str); 3] = [
        (&["IntLit", "StrLit", "("], EXPRESSION_STARTS, "an expression"),
        (&["+", "*"], OPERATORS, "an operator"),
        (&["fn", "struct"], ITEM_STARTS, "an item (`fn`, `struct`, `enum`, ...)"),
    ];
    for (markers, members, word) in groups {
        if markers.iter().all(|m| names.contains(m)) {
            names.retain(|n| !members.contains(n));
            words.push(word.to_string());
        }
    }
    // After a type, `??` parses only to be rejected as a nested optional (E0206): never suggest it.
    if names.contains(&"?") {
        names.retain(|n| *n != "??");
    }
    names.sort_by_key(|n| FIRST.iter().position(|f| f == n).unwrap_or(FIRST.len()));
    let mut listed: Vec<String> = names
        .iter()
        .map(|n| match *n {
            "Ident" => "a name".to_string(),
            "IntLit" | "FloatLit" => "a number".to_string(),
            "StrLit" => "a string".to_string(),
            other => format!("`{other}`"),
        })
        .collect();
    listed.dedup();
    listed.extend(words);
    listed.truncate(6);
    match listed.len() {
        0 => "something else".to_string(),
        1 => listed.remove(0),
        n => format!("{} or {}", listed[..n - 1].join(", "), listed[n - 1]),
    }
}
