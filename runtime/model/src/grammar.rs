//! A prefix checker for the textual form of typed values: given the bytes generated so far it says
//! whether they are a complete value, a valid prefix of one, or impossible. Typed decoding asks it about
//! `output + token bytes` for candidate tokens in decreasing-logit order, which makes greedy decoding under
//! the grammar's token mask exact without scanning the whole vocabulary at every step.
//!
//! Syntax (JSON-like): `true`/`false`; ints `-?(0|[1-9][0-9]*)` (at most 18 digits); floats are JSON numbers
//! within an f64's range; strings are JSON strings (no raw control characters, UTF-16 surrogate escapes only in
//! pairs); enum values inside structured values are JSON strings holding a variant name; structs are JSON objects
//! with every field, in declared order; lists are JSON arrays; `T?` is `null` or a `T`; `json` is any JSON value
//! (nesting depth ≤ 32). At most one space between structural tokens, none at the start or the end. Every
//! complete text is one serde_json reads.
use crate::typed::TypeSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The bytes are a whole value (more bytes may or may not extend it).
    Complete,
    /// A strict prefix of some value.
    Prefix,
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum P {
    Incomplete,
    Invalid,
}
type PR = Result<usize, P>;

const MAX_INT_DIGITS: usize = 18;
const MAX_JSON_DEPTH: usize = 32;

/// The same textual grammar in GBNF (llama.cpp's grammar format, which vLLM's xgrammar also reads), for serving
/// engines that constrain decoding themselves. It accepts what [`check`] accepts, except that `json` nests
/// without a depth limit; what a server returns is checked again with [`check`]. (A `str` answer is raw text,
/// not this grammar's JSON string: typed decoding constrains it by nothing but end-of-turn.)
pub fn gbnf(schema: &TypeSchema) -> String {
    format!(
        "root ::= {}\n\
         ws ::= \" \"?\n\
         string ::= \"\\\"\" ( [^\"\\\\\\x00-\\x1f] | \"\\\\\" ( [\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{{4}} ) )* \"\\\"\"\n\
         int ::= \"-\"? ( \"0\" | [1-9] [0-9]{{0,{}}} )\n\
         number ::= \"-\"? ( \"0\" | [1-9] [0-9]* ) ( \".\" [0-9]+ )? ( [eE] [-+]? [0-9]+ )?\n\
         json ::= object | array | string | number | \"true\" | \"false\" | \"null\"\n\
         object ::= \"{{\" ws ( string ws \":\" ws json ws ( \",\" ws string ws \":\" ws json ws )* )? \"}}\"\n\
         array ::= \"[\" ws ( json ws ( \",\" ws json ws )* )? \"]\"\n",
        gbnf_value(schema),
        MAX_INT_DIGITS - 1
    )
}

/// A GBNF grammar whose only sentences are `texts`: a choice among labels written as they are.
pub fn gbnf_choice(texts: &[String]) -> String {
    let quoted: Vec<String> = texts
        .iter()
        .map(|t| serde_json::to_string(t).expect("strings serialize"))
        .collect();
    format!("root ::= {}\n", quoted.join(" | "))
}

/// One type's textual form as a GBNF expression over the shared rules of [`gbnf`].
fn gbnf_value(schema: &TypeSchema) -> String {
    let quoted = |s: &str| serde_json::to_string(s).expect("strings serialize");
    match schema {
        TypeSchema::Bool => "( \"true\" | \"false\" )".into(),
        TypeSchema::Int => "int".into(),
        TypeSchema::Float => "number".into(),
        TypeSchema::Str => "string".into(),
        TypeSchema::Json => "json".into(),
        TypeSchema::Enum { variants, .. } => {
            let names: Vec<String> = variants.iter().map(|(n, _)| quoted(&format!("\"{n}\""))).collect();
            format!("( {} )", names.join(" | "))
        }
        TypeSchema::Optional(inner) => format!("( \"null\" | {} )", gbnf_value(inner)),
        TypeSchema::List(item) => {
            let item = gbnf_value(item);
            format!("( \"[\" ws ( {item} ws ( \",\" ws {item} ws )* )? \"]\" )")
        }
        TypeSchema::Struct { fields, .. } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(name, ty)| format!("{} ws \":\" ws {} ws", quoted(&format!("\"{name}\"")), gbnf_value(ty)))
                .collect();
            format!("( \"{{\" ws {} \"}}\" )", fields.join(" \",\" ws "))
        }
    }
}

/// Check `b` against the textual grammar of `schema`.
pub fn check(schema: &TypeSchema, b: &[u8]) -> Status {
    match value(schema, b, 0) {
        Ok(end) if end == b.len() => Status::Complete,
        Ok(_) => Status::Invalid,
        Err(P::Incomplete) => Status::Prefix,
        Err(P::Invalid) => Status::Invalid,
    }
}

fn ws(b: &[u8], i: usize) -> usize {
    if i < b.len() && b[i] == b' ' {
        i + 1
    } else {
        i
    }
}

fn need(b: &[u8], i: usize, c: u8) -> PR {
    if i >= b.len() {
        Err(P::Incomplete)
    } else if b[i] == c {
        Ok(i + 1)
    } else {
        Err(P::Invalid)
    }
}

fn lit(b: &[u8], i: usize, word: &[u8]) -> PR {
    let rest = &b[i.min(b.len())..];
    let n = rest.len().min(word.len());
    if rest[..n] != word[..n] {
        return Err(P::Invalid);
    }
    if n < word.len() {
        Err(P::Incomplete)
    } else {
        Ok(i + word.len())
    }
}

fn digits(b: &[u8], mut i: usize) -> (usize, usize) {
    let s = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    (i, i - s)
}

fn number(b: &[u8], mut i: usize, float: bool) -> PR {
    let start = i;
    let negative = i < b.len() && b[i] == b'-';
    if negative {
        i += 1;
    }
    if i >= b.len() {
        return Err(P::Incomplete);
    }
    if b[i] == b'0' {
        // serde_json reads `-0` as the float -0.0, which is not an int.
        if negative && !float {
            return Err(P::Invalid);
        }
        i += 1;
    } else if b[i].is_ascii_digit() {
        let (j, n) = digits(b, i);
        if n > MAX_INT_DIGITS {
            return Err(P::Invalid);
        }
        i = j;
    } else {
        return Err(P::Invalid);
    }
    if !float {
        return Ok(i);
    }
    if i < b.len() && b[i] == b'.' {
        let (j, n) = digits(b, i + 1);
        if n == 0 {
            return if j >= b.len() {
                Err(P::Incomplete)
            } else {
                Err(P::Invalid)
            };
        }
        i = j;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let (j, n) = digits(b, i);
        if n == 0 {
            return if j >= b.len() {
                Err(P::Incomplete)
            } else {
                Err(P::Invalid)
            };
        }
        i = j;
    }
    // serde_json, which reads the finished text, refuses a number too large for an f64 (`1e999`); more digits
    // only make it larger.
    if serde_json::from_slice::<f64>(&b[start..i]).is_err() {
        return Err(P::Invalid);
    }
    Ok(i)
}

/// The four hex digits of a `\u` escape at `i`: where they end and their value. With `low`, the value must be a
/// low surrogate (`DC00`-`DFFF`), else it must not be one; digits that no completion makes so are invalid.
fn hex4(b: &[u8], mut i: usize, low: bool) -> Result<(usize, u32), P> {
    let allowed = |lo: u32, hi: u32| {
        let all_low = lo >= 0xDC00 && hi <= 0xDFFF;
        let some_low = lo <= 0xDFFF && hi >= 0xDC00;
        if low {
            some_low
        } else {
            !all_low
        }
    };
    let mut n = 0;
    for k in 0..4 {
        if i >= b.len() {
            // The values the digits so far can still become.
            let shift = 4 * (4 - k);
            let lo = n << shift;
            return Err(if allowed(lo, lo + (1 << shift) - 1) {
                P::Incomplete
            } else {
                P::Invalid
            });
        }
        let digit = char::from(b[i]).to_digit(16).ok_or(P::Invalid)?;
        n = n * 16 + digit;
        i += 1;
    }
    if allowed(n, n) {
        Ok((i, n))
    } else {
        Err(P::Invalid)
    }
}

/// A JSON string; with `names`, its content must be one of them (no escapes).
fn string(b: &[u8], i: usize, names: Option<&[&str]>) -> PR {
    let mut i = need(b, i, b'"')?;
    let start = i;
    loop {
        if i >= b.len() {
            return Err(P::Incomplete);
        }
        let c = b[i];
        match c {
            b'"' => {
                if let Some(names) = names {
                    if !names.iter().any(|n| n.as_bytes() == &b[start..i]) {
                        return Err(P::Invalid);
                    }
                }
                return Ok(i + 1);
            }
            b'\\' => {
                if names.is_some() {
                    return Err(P::Invalid);
                }
                i += 1;
                if i >= b.len() {
                    return Err(P::Incomplete);
                }
                match b[i] {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 1,
                    b'u' => {
                        // UTF-16 surrogates must come in pairs, a high one then `\u` and a low one: serde_json,
                        // which reads the finished text, refuses a lone one.
                        let (j, n) = hex4(b, i + 1, false)?;
                        i = j;
                        if (0xD800..0xDC00).contains(&n) {
                            i = need(b, i, b'\\')?;
                            i = need(b, i, b'u')?;
                            i = hex4(b, i, true)?.0;
                        }
                    }
                    _ => return Err(P::Invalid),
                }
            }
            0..=0x1f => return Err(P::Invalid),
            _ => {
                i += 1;
                if let Some(names) = names {
                    let sofar = &b[start..i];
                    if !names.iter().any(|n| n.as_bytes().starts_with(sofar)) {
                        return Err(P::Invalid);
                    }
                }
            }
        }
    }
}

fn json_any(b: &[u8], i: usize, depth: usize) -> PR {
    if depth > MAX_JSON_DEPTH {
        return Err(P::Invalid);
    }
    if i >= b.len() {
        return Err(P::Incomplete);
    }
    match b[i] {
        b'{' => {
            let mut i = ws(b, i + 1);
            if i < b.len() && b[i] == b'}' {
                return Ok(i + 1);
            }
            loop {
                i = string(b, i, None)?;
                i = ws(b, i);
                i = need(b, i, b':')?;
                i = ws(b, i);
                i = json_any(b, i, depth + 1)?;
                i = ws(b, i);
                if i >= b.len() {
                    return Err(P::Incomplete);
                }
                match b[i] {
                    b',' => i = ws(b, i + 1),
                    b'}' => return Ok(i + 1),
                    _ => return Err(P::Invalid),
                }
            }
        }
        b'[' => {
            let mut i = ws(b, i + 1);
            if i < b.len() && b[i] == b']' {
                return Ok(i + 1);
            }
            loop {
                i = json_any(b, i, depth + 1)?;
                i = ws(b, i);
                if i >= b.len() {
                    return Err(P::Incomplete);
                }
                match b[i] {
                    b',' => i = ws(b, i + 1),
                    b']' => return Ok(i + 1),
                    _ => return Err(P::Invalid),
                }
            }
        }
        b'"' => string(b, i, None),
        b't' => lit(b, i, b"true"),
        b'f' => lit(b, i, b"false"),
        b'n' => lit(b, i, b"null"),
        _ => number(b, i, true),
    }
}

fn value(s: &TypeSchema, b: &[u8], i: usize) -> PR {
    match s {
        TypeSchema::Bool => {
            if i >= b.len() {
                return Err(P::Incomplete);
            }
            match b[i] {
                b't' => lit(b, i, b"true"),
                b'f' => lit(b, i, b"false"),
                _ => Err(P::Invalid),
            }
        }
        TypeSchema::Int => number(b, i, false),
        TypeSchema::Float => number(b, i, true),
        TypeSchema::Str => string(b, i, None),
        TypeSchema::Json => json_any(b, i, 0),
        TypeSchema::Enum { variants, .. } => {
            let names: Vec<&str> = variants.iter().map(|v| v.0.as_str()).collect();
            string(b, i, Some(&names))
        }
        TypeSchema::Optional(inner) => {
            if i >= b.len() {
                return Err(P::Incomplete);
            }
            if b[i] == b'n' && !matches!(**inner, TypeSchema::Json) {
                lit(b, i, b"null")
            } else {
                value(inner, b, i)
            }
        }
        TypeSchema::List(t) => {
            let mut i = need(b, i, b'[')?;
            i = ws(b, i);
            if i >= b.len() {
                return Err(P::Incomplete);
            }
            if b[i] == b']' {
                return Ok(i + 1);
            }
            loop {
                i = value(t, b, i)?;
                i = ws(b, i);
                if i >= b.len() {
                    return Err(P::Incomplete);
                }
                match b[i] {
                    b',' => i = ws(b, i + 1),
                    b']' => return Ok(i + 1),
                    _ => return Err(P::Invalid),
                }
            }
        }
        TypeSchema::Struct { fields, .. } => {
            let mut i = need(b, i, b'{')?;
            i = ws(b, i);
            for (k, (name, ty)) in fields.iter().enumerate() {
                if k > 0 {
                    i = need(b, i, b',')?;
                    i = ws(b, i);
                }
                i = lit(b, i, format!("\"{name}\"").as_bytes())?;
                i = ws(b, i);
                i = need(b, i, b':')?;
                i = ws(b, i);
                i = value(ty, b, i)?;
                i = ws(b, i);
            }
            need(b, i, b'}')
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn e() -> TypeSchema {
        TypeSchema::Enum {
            name: "Route".into(),
            variants: vec![("playground".into(), None), ("hub".into(), None)],
        }
    }

    #[test]
    fn gbnf_writes_the_same_textual_form() {
        let meeting = TypeSchema::Struct {
            name: "Meeting".into(),
            fields: vec![
                ("route".into(), e()),
                ("days".into(), TypeSchema::List(Box::new(TypeSchema::Int))),
                ("note".into(), TypeSchema::Optional(Box::new(TypeSchema::Str))),
            ],
        };
        let g = gbnf(&meeting);
        let root = g.lines().next().unwrap();
        assert_eq!(
            root,
            r#"root ::= ( "{" ws "\"route\"" ws ":" ws ( "\"playground\"" | "\"hub\"" ) ws "," ws "\"days\"" ws ":" ws ( "[" ws ( int ws ( "," ws int ws )* )? "]" ) ws "," ws "\"note\"" ws ":" ws ( "null" | string ) ws "}" )"#
        );
        for rule in [
            "ws ::=",
            "string ::=",
            "int ::= \"-\"? ( \"0\" | [1-9] [0-9]{0,17} )",
            "json ::=",
            "object ::=",
            "array ::=",
        ] {
            assert!(g.contains(rule), "{rule} missing from\n{g}");
        }
        assert_eq!(
            gbnf_choice(&["a\"b".into(), "c".into()]),
            "root ::= \"a\\\"b\" | \"c\"\n"
        );
    }

    #[test]
    fn answers_are_read_by_the_same_grammar() {
        use crate::typed::parse_answer;
        assert_eq!(
            parse_answer(&TypeSchema::Str, "  Lisbon \n").unwrap(),
            serde_json::json!("Lisbon")
        );
        for (text, value) in [
            ("\"\"", ""),
            (" \"ana@studio-nine.com\"\n", "ana@studio-nine.com"),
            ("\"a \\\"quoted\\\" word\"", "a \"quoted\" word"),
            ("\"Lisbon\" or \"Porto\"", "\"Lisbon\" or \"Porto\""),
            ("\"unterminated", "\"unterminated"),
        ] {
            assert_eq!(
                parse_answer(&TypeSchema::Str, text).unwrap(),
                serde_json::json!(value),
                "{text}"
            );
        }
        assert_eq!(parse_answer(&TypeSchema::Float, "2").unwrap(), serde_json::json!(2.0));
        assert!(parse_answer(&TypeSchema::Int, "2.5").is_err());
        assert!(parse_answer(&TypeSchema::Int, " 2").is_err());
        assert!(parse_answer(&e(), "\"elsewhere\"").is_err());
    }

    #[test]
    fn ints() {
        assert_eq!(check(&TypeSchema::Int, b""), Prefix);
        assert_eq!(check(&TypeSchema::Int, b"-"), Prefix);
        assert_eq!(check(&TypeSchema::Int, b"42"), Complete);
        assert_eq!(check(&TypeSchema::Int, b"042"), Invalid);
        assert_eq!(check(&TypeSchema::Int, b"4.2"), Invalid);
        assert_eq!(check(&TypeSchema::Int, b"1234567890123456789"), Invalid);
        assert_eq!(check(&TypeSchema::Int, b" 1"), Invalid);
    }

    #[test]
    fn floats() {
        assert_eq!(check(&TypeSchema::Float, b"3."), Prefix);
        assert_eq!(check(&TypeSchema::Float, b"3.25"), Complete);
        assert_eq!(check(&TypeSchema::Float, b"-1e"), Prefix);
        assert_eq!(check(&TypeSchema::Float, b"-1e-3"), Complete);
        assert_eq!(check(&TypeSchema::Float, b"1.x"), Invalid);
    }

    /// The grammar accepted texts that serde_json then refuses, so decoding ended in "grammar accepted
    /// unparsable text" instead of never writing them: numbers beyond an f64 (found by fuzzing, `fuzz/` target
    /// `typed_json`) and lone UTF-16 surrogate escapes (found reading serde_json's rules for that fix); and an
    /// int it reads as a float, so the answer did not fit its type.
    #[test]
    fn complete_texts_are_json_serde_reads() {
        let json = TypeSchema::Json;
        assert_eq!(check(&TypeSchema::Float, b"295e9999272"), Invalid);
        assert_eq!(check(&TypeSchema::Float, b"1e309"), Invalid);
        assert_eq!(check(&TypeSchema::Float, b"1e308"), Complete);
        assert_eq!(check(&TypeSchema::Float, b"1e-999"), Complete);
        assert_eq!(check(&json, b"[1e999]"), Invalid);
        // serde_json reads `-0` as a float (found by fuzzing too).
        assert_eq!(check(&TypeSchema::Int, b"-0"), Invalid);
        assert_eq!(check(&TypeSchema::Float, b"-0"), Complete);
        assert!(!serde_json::from_slice::<serde_json::Value>(b"-0").unwrap().is_i64());
        // Lone surrogates; a pair is fine.
        assert_eq!(check(&TypeSchema::Str, b"\"\\udc00\""), Invalid);
        assert_eq!(check(&TypeSchema::Str, b"\"\\uDC"), Invalid);
        assert_eq!(check(&TypeSchema::Str, b"\"\\ud800\""), Invalid);
        assert_eq!(check(&TypeSchema::Str, b"\"\\ud800\\u0041\""), Invalid);
        assert_eq!(check(&TypeSchema::Str, b"\"\\ud800\\uD"), Prefix);
        assert_eq!(check(&TypeSchema::Str, b"\"\\ud83d\\ude00\""), Complete);
        assert_eq!(check(&json, b"{\"\\ud83d\\ude00\": \"\\u00e9\"}"), Complete);
        for text in [&b"1e308"[..], b"\"\\ud83d\\ude00\"", b"{\"\\ud83d\\ude00\": [1e-999]}"] {
            assert!(serde_json::from_slice::<serde_json::Value>(text).is_ok());
        }
    }

    #[test]
    fn strings_and_enums() {
        assert_eq!(check(&TypeSchema::Str, b"\"a\\\"b"), Prefix);
        assert_eq!(check(&TypeSchema::Str, b"\"a\\\"b\""), Complete);
        assert_eq!(check(&TypeSchema::Str, b"\"a\nb\""), Invalid);
        assert_eq!(check(&e(), b"\"pla"), Prefix);
        assert_eq!(check(&e(), b"\"hub\""), Complete);
        assert_eq!(check(&e(), b"\"hu\""), Invalid);
        assert_eq!(check(&e(), b"\"x"), Invalid);
    }

    #[test]
    fn structs_lists_optionals() {
        let s = TypeSchema::Struct {
            name: "P".into(),
            fields: vec![
                ("name".into(), TypeSchema::Str),
                ("age".into(), TypeSchema::Optional(Box::new(TypeSchema::Int))),
            ],
        };
        assert_eq!(check(&s, b"{\"name\": \"Al\", \"age\": 3"), Prefix);
        assert_eq!(check(&s, b"{\"name\": \"Al\", \"age\": 3}"), Complete);
        assert_eq!(check(&s, b"{\"name\":\"Al\",\"age\":null}"), Complete);
        assert_eq!(check(&s, b"{\"age\": 3}"), Invalid);
        assert_eq!(check(&s, b"{\"name\":  \"Al\"}"), Invalid);
        let l = TypeSchema::List(Box::new(e()));
        assert_eq!(check(&l, b"[]"), Complete);
        assert_eq!(check(&l, b"[\"hub\", \"playground\"]"), Complete);
        assert_eq!(check(&l, b"[\"hub\",,"), Invalid);
        assert_eq!(check(&l, b"[\"hub\"] "), Invalid);
    }

    #[test]
    fn json_any_values() {
        assert_eq!(check(&TypeSchema::Json, b"{\"a\": [1, true, null, \"x\"]}"), Complete);
        assert_eq!(check(&TypeSchema::Json, b"{\"a\": [1, tr"), Prefix);
        assert_eq!(check(&TypeSchema::Json, b"{a: 1}"), Invalid);
    }
}
