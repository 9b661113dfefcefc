//! Tokens of `.pw` source, produced by logos.
//!
//! The lexer never fails: characters it does not know become [`LexError`] lexemes that the parser driver reports
//! and skips. Comments stay in the token stream (as [`Token::Comment`]) so editors can color them; the driver
//! takes them out before parsing.

use logos::Logos;

/// Why a piece of source is not a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LexError {
    /// A character that starts no token (including NUL and stray control characters).
    #[default]
    InvalidChar,
    /// A string without its closing `"` on the same line.
    UnterminatedString,
}

#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\n\f]+")]
pub enum Token {
    #[token("fn")]
    Fn,
    #[token("fuzzy")]
    Fuzzy,
    #[token("native")]
    Native,
    #[token("let")]
    Let,
    #[token("mut")]
    Mut,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("while")]
    While,
    #[token("for")]
    For,
    #[token("in")]
    In,
    #[token("match")]
    Match,
    #[token("return")]
    Return,
    #[token("break")]
    Break,
    #[token("continue")]
    Continue,
    #[token("struct")]
    Struct,
    #[token("enum")]
    Enum,
    #[token("use")]
    Use,
    #[token("test")]
    Test,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("none")]
    None,

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    #[regex(r"[0-9][0-9_]*")]
    Int,
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9][0-9_]*)?")]
    #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9][0-9_]*")]
    Float,
    /// A whole string literal, interpolations included (see [`crate::strings`]).
    #[token("\"", scan_string)]
    Str,
    /// `// ...` or `/// ...` up to the end of the line (which one is decided by [`is_doc_comment`]).
    #[regex(r"//[^\n]*", allow_greedy = true)]
    Comment,

    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
    #[token("!")]
    Bang,
    #[token("??")]
    QuestionQuestion,
    #[token("..")]
    DotDot,
    #[token("=")]
    Eq,
    #[token("+=")]
    PlusEq,
    #[token("-=")]
    MinusEq,
    #[token("*=")]
    StarEq,
    #[token("/=")]
    SlashEq,
    #[token("->")]
    Arrow,
    #[token("=>")]
    FatArrow,
    #[token(".")]
    Dot,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token("?")]
    Question,
    #[token("|")]
    Pipe,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
}

/// One token or unlexable piece, with its byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lexeme {
    pub token: Result<Token, LexError>,
    pub start: u32,
    pub end: u32,
}

/// Splits `text` into lexemes, in order, covering every non-whitespace byte.
pub fn lex(text: &str) -> Vec<Lexeme> {
    Token::lexer(text)
        .spanned()
        .map(|(token, span)| Lexeme {
            token,
            start: span.start as u32,
            end: span.end as u32,
        })
        .collect()
}

/// `///` starts a doc line; `////` and longer are ordinary comments (a common way to comment docs out).
pub fn is_doc_comment(comment: &str) -> bool {
    comment.starts_with("///") && !comment.starts_with("////")
}

/// How far a string literal (or an interpolation) reaches.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StringEnd {
    /// It is `len` bytes long, its closing `"` (or `}`) included.
    Closed(usize),
    /// Nothing closes it before the end of the line: it covers `len` bytes.
    Open(usize),
}

#[derive(Clone, Copy)]
enum Mode {
    Str,
    Interp,
}

/// Finds the end of a string literal, given the text after its opening quote.
pub(crate) fn string_end(rest: &str) -> StringEnd {
    literal_end(rest, Mode::Str)
}

/// Finds the end of an interpolation, given the text after its opening `{`.
pub(crate) fn interp_end(rest: &str) -> StringEnd {
    literal_end(rest, Mode::Interp)
}

/// Inside `{..}` interpolations braces nest and strings may appear, so this keeps an explicit stack (no
/// recursion: a deeply nested literal cannot overflow the stack). Strings and their interpolations end at the
/// line: a raw newline means the closing quote is missing.
fn literal_end(rest: &str, start: Mode) -> StringEnd {
    let bytes = rest.as_bytes();
    let mut stack = vec![start];
    let mut i = 0;
    while let Some(&mode) = stack.last() {
        let Some(&b) = bytes.get(i) else { break };
        match (mode, b) {
            (_, b'\n') => return StringEnd::Open(i),
            (Mode::Str, b'"') | (Mode::Interp, b'}') => {
                stack.pop();
            }
            (Mode::Str, b'\\') if i + 1 < bytes.len() && bytes[i + 1] != b'\n' => i += 1,
            (Mode::Str | Mode::Interp, b'{') => stack.push(Mode::Interp),
            (Mode::Interp, b'"') => stack.push(Mode::Str),
            _ => {}
        }
        i += 1;
    }
    if stack.is_empty() {
        StringEnd::Closed(i)
    } else {
        StringEnd::Open(bytes.len())
    }
}

fn scan_string(lex: &mut logos::Lexer<Token>) -> Result<(), LexError> {
    match string_end(lex.remainder()) {
        StringEnd::Closed(len) => {
            lex.bump(len);
            Ok(())
        }
        StringEnd::Open(len) => {
            lex.bump(len);
            Err(LexError::UnterminatedString)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Result<Token, LexError>> {
        lex(text).into_iter().map(|l| l.token).collect()
    }

    #[test]
    fn keywords_identifiers_and_numbers() {
        use Token::*;
        assert_eq!(
            kinds("fn fuzzy native letter 1_000 2.5 1e-3 3.0E+2 0..10 x.len"),
            [Fn, Fuzzy, Native, Ident, Int, Float, Float, Float, Int, DotDot, Int, Ident, Dot, Ident].map(Ok)
        );
    }

    #[test]
    fn operators_take_the_longest_match() {
        use Token::*;
        assert_eq!(
            kinds("?? ? == = => -> += <= || | && ! !="),
            [
                QuestionQuestion,
                Question,
                EqEq,
                Eq,
                FatArrow,
                Arrow,
                PlusEq,
                Le,
                OrOr,
                Pipe,
                AndAnd,
                Bang,
                NotEq
            ]
            .map(Ok)
        );
    }

    #[test]
    fn strings_span_nested_interpolations() {
        let text = r#""a {f("}", {x: "{y}"})} b" rest"#;
        let lexemes = lex(text);
        assert_eq!(lexemes[0].token, Ok(Token::Str));
        assert_eq!(&text[..lexemes[0].end as usize], r#""a {f("}", {x: "{y}"})} b""#);
        assert_eq!(lexemes[1].token, Ok(Token::Ident));
    }

    #[test]
    fn escaped_quotes_do_not_end_a_string() {
        let lexemes = lex(r#""say \"hi\"" x"#);
        assert_eq!(lexemes.len(), 2);
        assert_eq!(lexemes[0].end, 12);
    }

    #[test]
    fn an_unterminated_string_stops_at_the_line_end() {
        let lexemes = lex("\"abc\nlet");
        assert_eq!(lexemes[0].token, Err(LexError::UnterminatedString));
        assert_eq!(lexemes[0].end, 4);
        assert_eq!(lexemes[1].token, Ok(Token::Let));
        assert_eq!(kinds("\"a\\")[0], Err(LexError::UnterminatedString));
    }

    #[test]
    fn invalid_characters_and_nul_are_errors_not_panics() {
        assert_eq!(
            kinds("a \0 # b"),
            [
                Ok(Token::Ident),
                Err(LexError::InvalidChar),
                Err(LexError::InvalidChar),
                Ok(Token::Ident)
            ]
        );
    }

    #[test]
    fn comments_and_doc_lines() {
        let text = "// c\n/// d\n//// e\nx";
        let lexemes = lex(text);
        assert_eq!(lexemes.iter().filter(|l| l.token == Ok(Token::Comment)).count(), 3);
        let docs: Vec<_> = lexemes
            .iter()
            .filter(|l| l.token == Ok(Token::Comment) && is_doc_comment(&text[l.start as usize..l.end as usize]))
            .collect();
        assert_eq!(docs.len(), 1);
    }
}
