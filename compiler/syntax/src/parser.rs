//! The parser driver: lexes, runs the lalrpop grammar with error recovery, and turns what went wrong into
//! diagnostics a user can act on.

use lalrpop_util::ErrorRecovery;
use paw_diagnostics::{Diagnostic, FileId, Label, Span};

use crate::ast::*;
use crate::depth::{max_depth, Deep, DepthLimit};
use crate::grammar::SourceFileParser;
use crate::lexer::{is_doc_comment, lex, LexError, Token};
use crate::{docs, messages};

pub(crate) type Recovered = ErrorRecovery<usize, Token, ()>;

/// What the grammar's actions build with: the file, what went wrong so far, and the nesting limit.
pub(crate) struct State {
    pub file: FileId,
    pub recovered: Vec<Recovered>,
    pub diagnostics: Vec<Diagnostic>,
    pub depth: DepthLimit,
    /// How many string interpolations enclose the expression being parsed.
    pub string_nesting: u32,
    /// Where strings missing their closing quote end: the parse error that follows one is a consequence.
    pub unterminated_strings: Vec<usize>,
}

/// The largest source file paw reads. Far beyond any hand-written module, it keeps the worst case (a file of
/// garbage, checked in about a second per 5 MB) bounded for `pawc check` and for an editor that opens such a file.
pub const MAX_SOURCE_BYTES: usize = 16 << 20;

/// The result of parsing one file: the tree and every problem found, in source order.
pub fn parse(file: FileId, text: &str) -> (SourceFile, Vec<Diagnostic>) {
    if text.len() > MAX_SOURCE_BYTES {
        let span = Span { file, start: 0, end: 0 };
        let d = Diagnostic::error(
            "E0018",
            format!("this file is too large to compile ({} bytes)", text.len()),
            Label::new(span, "in this file"),
        )
        .with_help(format!(
            "paw reads source files of up to {} MiB; split this file into modules",
            MAX_SOURCE_BYTES >> 20
        ));
        return (
            SourceFile {
                items: Vec::new(),
                comments: Vec::new(),
                span,
            },
            vec![d],
        );
    }
    let mut st = State {
        file,
        recovered: Vec::new(),
        diagnostics: Vec::new(),
        depth: DepthLimit::default(),
        string_nesting: 0,
        unterminated_strings: Vec::new(),
    };
    let mut comments = Vec::new();
    let tokens = st.tokens(text, 0, text.len(), Some(&mut comments));
    let mut items = match SourceFileParser::new().parse(text, &mut st, tokens.iter().copied().map(Ok)) {
        Ok(items) => items,
        Err(error) => {
            st.recovered.push(ErrorRecovery {
                error,
                dropped_tokens: Vec::new(),
            });
            Vec::new()
        }
    };
    let mut diagnostics = std::mem::take(&mut st.diagnostics);
    diagnostics.extend(messages::syntax_errors(
        file,
        text,
        &tokens,
        std::mem::take(&mut st.recovered),
        &st.unterminated_strings,
    ));
    diagnostics.extend(std::mem::take(&mut st.depth).into_diagnostics());

    let (doc_lines, comments): (Vec<Comment>, Vec<Comment>) =
        comments.into_iter().partition(|c| is_doc_comment(&c.text));
    diagnostics.extend(docs::attach(&mut items, doc_lines, &tokens));
    for item in &mut items {
        if let Item::Fuzzy(f) = item {
            diagnostics.extend(docs::split_examples(file, text, f));
        }
    }
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    (
        SourceFile {
            items,
            comments,
            span: Span::new(file, 0, text.len()),
        },
        diagnostics,
    )
}

impl State {
    pub fn span(&self, l: usize, r: usize) -> Span {
        Span::new(self.file, l, r)
    }

    /// The significant tokens of `text[start..end]` (absolute offsets); unlexable pieces are reported, and
    /// comments are collected into `comments` when asked for. A string missing its closing quote is still
    /// handed to the parser as a string, so one missing `"` does not derail the rest of the line.
    pub fn tokens(
        &mut self,
        text: &str,
        start: usize,
        end: usize,
        mut comments: Option<&mut Vec<Comment>>,
    ) -> Vec<(usize, Token, usize)> {
        let mut out = Vec::new();
        for lexeme in lex(&text[start..end]) {
            let (l, r) = (start + lexeme.start as usize, start + lexeme.end as usize);
            match lexeme.token {
                Ok(Token::Comment) => {
                    if let Some(comments) = comments.as_deref_mut() {
                        comments.push(Comment {
                            text: text[l..r].trim_end().to_string(),
                            span: self.span(l, r),
                        });
                    }
                }
                Ok(token) => out.push((l, token, r)),
                Err(LexError::UnterminatedString) => {
                    self.diagnostics.push(messages::unterminated_string(self.span(l, r)));
                    self.unterminated_strings.push(r);
                    out.push((l, Token::Str, r));
                }
                Err(LexError::InvalidChar) => self
                    .diagnostics
                    .push(messages::invalid_char(self.span(l, r), &text[l..r])),
            }
        }
        out
    }

    pub fn ident(&self, text: &str, l: usize, r: usize) -> Ident {
        Ident {
            name: text[l..r].to_string(),
            span: self.span(l, r),
        }
    }

    pub fn expr(&mut self, kind: ExprKind, l: usize, r: usize, child_depth: u32) -> Deep<Expr> {
        let span = self.span(l, r);
        self.depth.expr(kind, span, child_depth)
    }

    pub fn binary(&mut self, op: BinaryOp, lhs: Deep<Expr>, rhs: Deep<Expr>, l: usize, r: usize) -> Deep<Expr> {
        let d = lhs.depth.max(rhs.depth);
        self.expr(
            ExprKind::Binary {
                op,
                lhs: Box::new(lhs.node),
                rhs: Box::new(rhs.node),
            },
            l,
            r,
            d,
        )
    }

    pub fn unary(&mut self, op: UnaryOp, e: Deep<Expr>, l: usize, r: usize) -> Deep<Expr> {
        let d = e.depth;
        self.expr(
            ExprKind::Unary {
                op,
                expr: Box::new(e.node),
            },
            l,
            r,
            d,
        )
    }

    pub fn lambda(&mut self, params: Vec<Deep<LambdaParam>>, body: Deep<Expr>, l: usize, r: usize) -> Deep<Expr> {
        let d = body.depth.max(max_depth(&params));
        let params = params.into_iter().map(|p| p.node).collect();
        self.expr(
            ExprKind::Lambda {
                params,
                body: Box::new(body.node),
            },
            l,
            r,
            d,
        )
    }

    pub fn int(&mut self, text: &str, l: usize, r: usize) -> Deep<Expr> {
        let value = self.int_value(text, l, r, false);
        self.expr(ExprKind::Int(value), l, r, 0)
    }

    pub fn float(&mut self, text: &str, l: usize, r: usize) -> Deep<Expr> {
        let value = float_value(text, l, r);
        self.expr(ExprKind::Float(value), l, r, 0)
    }

    /// The value of the integer literal at `l..r`, negated first when `negative` (so `-9223372036854775808`
    /// fits); a literal out of range is reported and reads as 0.
    fn int_value(&mut self, text: &str, l: usize, r: usize, negative: bool) -> i64 {
        let digits: String = text[l..r].chars().filter(|c| *c != '_').collect();
        let signed = if negative { format!("-{digits}") } else { digits };
        signed.parse().unwrap_or_else(|_| {
            self.diagnostics.push(messages::int_too_large(self.span(l, r)));
            0
        })
    }

    pub fn block(&mut self, stmts: Vec<Deep<Stmt>>, tail: Option<Deep<Expr>>, l: usize, r: usize) -> Deep<Block> {
        let depth = max_depth(&stmts).max(max_depth(&tail));
        let block = Block {
            stmts: stmts.into_iter().map(|s| s.node).collect(),
            tail: tail.map(|t| Box::new(t.node)),
            span: self.span(l, r),
        };
        Deep { node: block, depth }
    }

    pub fn expr_stmt(&mut self, e: Deep<Expr>, semi: bool, l: usize, r: usize) -> Deep<Stmt> {
        let span = self.span(l, r);
        self.depth.stmt(StmtKind::Expr { expr: e.node, semi }, span, e.depth)
    }

    pub fn arm(&mut self, pattern: Deep<Pattern>, body: Deep<Expr>, l: usize, r: usize) -> Deep<MatchArm> {
        let depth = pattern.depth.max(body.depth);
        Deep {
            node: MatchArm {
                pattern: pattern.node,
                body: body.node,
                span: self.span(l, r),
            },
            depth,
        }
    }

    /// `some(p)`; any other name before `(` is reported.
    pub fn some_pattern(&mut self, name: Ident, inner: Deep<Pattern>, l: usize, r: usize) -> Deep<Pattern> {
        let span = self.span(l, r);
        if name.name != "some" {
            self.diagnostics.push(messages::call_pattern(&name));
            return Deep::leaf(Pattern {
                kind: PatternKind::Error,
                span,
            });
        }
        let d = inner.depth;
        self.depth.pattern(PatternKind::Some(Box::new(inner.node)), span, d)
    }

    /// `3` or `-3` (`l` is at the `-` if there is one).
    pub fn int_pattern(&mut self, text: &str, negative: bool, l: usize, r: usize) -> Deep<Pattern> {
        let digits_start = if negative { digits_start(text, l) } else { l };
        let value = self.int_value(text, digits_start, r, negative);
        let span = self.span(l, r);
        self.depth.pattern(PatternKind::Int(value), span, 0)
    }

    pub fn float_pattern(&mut self, text: &str, negative: bool, l: usize, r: usize) -> Deep<Pattern> {
        let digits_start = if negative { digits_start(text, l) } else { l };
        let value = float_value(text, digits_start, r);
        let span = self.span(l, r);
        self.depth
            .pattern(PatternKind::Float(if negative { -value } else { value }), span, 0)
    }

    pub fn fuzzy_fn(
        &mut self,
        name: Ident,
        params: Vec<Param>,
        ret: Option<TypeExpr>,
        l: usize,
        r: usize,
    ) -> FuzzyFnDecl {
        FuzzyFnDecl {
            docs: Docs::default(),
            name,
            params,
            ret,
            description: String::new(),
            examples: Vec::new(),
            span: self.span(l, r),
        }
    }

    /// A `fuzzy fn` written with a `{ .. }` body.
    pub fn fuzzy_body(&mut self, body: Span) {
        self.diagnostics.push(messages::fuzzy_body(body));
    }
}

/// Where the digits of a negative literal pattern start (after the `-` and any whitespace).
fn digits_start(text: &str, minus: usize) -> usize {
    let after = &text[minus + 1..];
    minus + 1 + (after.len() - after.trim_start().len())
}

fn float_value(text: &str, l: usize, r: usize) -> f64 {
    let digits: String = text[l..r].chars().filter(|c| *c != '_').collect();
    // The lexer only produces float tokens Rust can parse once underscores are gone.
    digits.parse().unwrap_or(f64::INFINITY)
}
