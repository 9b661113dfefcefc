//! `std.text`. Positions and lengths count characters; ASCII strings take byte-indexed fast paths.

use compact_str::CompactString;

use super::{int, list, mismatch, string, Host};
use crate::error::{ErrorKind, RuntimeError};
use crate::value::Value;

fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// The byte offset of character position `pos` (clamped to the end).
fn byte_offset(s: &str, pos: usize) -> usize {
    if s.is_ascii() {
        pos.min(s.len())
    } else {
        s.char_indices().nth(pos).map_or(s.len(), |(i, _)| i)
    }
}

fn strings(parts: impl Iterator<Item = impl Into<CompactString>>) -> Value {
    Value::list(parts.map(|p| Value::str(p)).collect())
}

pub fn len(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Int(char_len(string(args, 0)?) as i64))
}

pub fn split(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let (s, sep) = (string(args, 0)?, string(args, 1)?);
    Ok(if sep.is_empty() {
        strings(s.split_whitespace())
    } else {
        strings(s.split(sep.as_str()))
    })
}

pub fn lines(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(strings(string(args, 0)?.lines()))
}

pub fn trim(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let s = string(args, 0)?;
    let trimmed = s.trim();
    Ok(if trimmed.len() == s.len() {
        Value::Str(s.clone())
    } else {
        Value::str(trimmed)
    })
}

pub fn lower(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::str(string(args, 0)?.to_lowercase()))
}

pub fn upper(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::str(string(args, 0)?.to_uppercase()))
}

pub fn contains(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Bool(string(args, 0)?.contains(string(args, 1)?.as_str())))
}

pub fn starts_with(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Bool(string(args, 0)?.starts_with(string(args, 1)?.as_str())))
}

pub fn ends_with(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Bool(string(args, 0)?.ends_with(string(args, 1)?.as_str())))
}

pub fn replace(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::str(
        string(args, 0)?.replace(string(args, 1)?.as_str(), string(args, 2)?),
    ))
}

pub fn find(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let s = string(args, 0)?;
    Ok(Value::opt(
        s.find(string(args, 1)?.as_str())
            .map(|byte| Value::Int(char_len(&s[..byte]) as i64)),
    ))
}

pub fn slice(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let s = string(args, 0)?;
    let (start, end) = (int(args, 1)?.max(0) as usize, int(args, 2)?.max(0) as usize);
    if start >= end {
        return Ok(Value::str(""));
    }
    let from = byte_offset(s, start);
    let to = from + byte_offset(&s[from..], end - start);
    Ok(Value::str(&s[from..to]))
}

pub fn join(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let parts = list(args, 0)?.borrow();
    let sep = string(args, 1)?;
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        match part {
            Value::Str(p) => out.push_str(p),
            v => return Err(mismatch("str", v)),
        }
    }
    Ok(Value::str(out))
}

pub fn parse_int(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::opt(string(args, 0)?.trim().parse::<i64>().ok().map(Value::Int)))
}

pub fn parse_float(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::opt(
        string(args, 0)?.trim().parse::<f64>().ok().map(Value::Float),
    ))
}

pub fn chars(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(strings(string(args, 0)?.chars().map(String::from)))
}

pub fn repeat(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let s = string(args, 0)?;
    let n = int(args, 1)?.max(0) as usize;
    if s.len().checked_mul(n).is_none_or(|total| total > isize::MAX as usize) {
        return Err(RuntimeError::new(
            ErrorKind::Overflow,
            format!("cannot repeat a string {n} times: too long"),
        ));
    }
    Ok(Value::str(s.repeat(n)))
}

pub fn pad_right(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    pad(args, |s, fill| format!("{s}{fill}"))
}

pub fn pad_left(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    pad(args, |s, fill| format!("{fill}{s}"))
}

/// Pads `args[0]` with spaces to `args[1]` characters, placing them with `join`.
fn pad(args: &[Value], join: fn(&str, &str) -> String) -> Result<Value, RuntimeError> {
    let s = string(args, 0)?;
    let width = int(args, 1)?.clamp(0, 1 << 20) as usize;
    let missing = width.saturating_sub(s.chars().count());
    Ok(Value::str(join(s, &" ".repeat(missing))))
}

#[cfg(test)]
mod tests {
    use crate::natives::testing::{call, s, strs, TestHost};
    use crate::value::Value;

    fn t(name: &str, args: &[Value]) -> Value {
        call(&mut TestHost::new(), &format!("text.{name}"), args).unwrap()
    }

    #[test]
    fn lengths_and_positions_count_characters() {
        assert_eq!(t("len", &[s("héllo")]), Value::Int(5));
        assert_eq!(t("find", &[s("héllo"), s("l")]), Value::Int(2));
        assert_eq!(t("find", &[s("abc"), s("z")]), Value::None);
        assert_eq!(t("slice", &[s("héllo"), Value::Int(1), Value::Int(3)]), s("él"));
        assert_eq!(t("slice", &[s("abc"), Value::Int(-5), Value::Int(99)]), s("abc"));
        assert_eq!(t("slice", &[s("abc"), Value::Int(2), Value::Int(1)]), s(""));
        assert_eq!(t("chars", &[s("añ")]), strs(&["a", "ñ"]));
    }

    #[test]
    fn splitting_and_joining() {
        assert_eq!(t("split", &[s("a,b,,c"), s(",")]), strs(&["a", "b", "", "c"]));
        assert_eq!(t("split", &[s("  a \t b\n"), s("")]), strs(&["a", "b"]));
        assert_eq!(t("lines", &[s("a\r\nb\n")]), strs(&["a", "b"]));
        assert_eq!(t("join", &[strs(&["a", "b", "c"]), s("-")]), s("a-b-c"));
        assert_eq!(t("join", &[strs(&[]), s("-")]), s(""));
    }

    #[test]
    fn case_trim_search_replace_repeat() {
        assert_eq!(t("trim", &[s("  x y \n")]), s("x y"));
        assert_eq!(t("lower", &[s("AbC")]), s("abc"));
        assert_eq!(t("upper", &[s("AbC")]), s("ABC"));
        assert_eq!(t("contains", &[s("hello"), s("ell")]), Value::Bool(true));
        assert_eq!(t("starts_with", &[s("hello"), s("he")]), Value::Bool(true));
        assert_eq!(t("ends_with", &[s("hello"), s("he")]), Value::Bool(false));
        assert_eq!(t("replace", &[s("a-b-c"), s("-"), s("+")]), s("a+b+c"));
        assert_eq!(t("repeat", &[s("ab"), Value::Int(3)]), s("ababab"));
        assert_eq!(t("repeat", &[s("ab"), Value::Int(-1)]), s(""));
        assert_eq!(t("pad_left", &[s("ab"), Value::Int(4)]), s("  ab"));
        assert_eq!(t("pad_right", &[s("é"), Value::Int(3)]), s("é  "));
        assert_eq!(t("pad_right", &[s("abc"), Value::Int(2)]), s("abc"));
    }

    #[test]
    fn parsing_numbers() {
        assert_eq!(t("parse_int", &[s(" 42 ")]), Value::Int(42));
        assert_eq!(t("parse_int", &[s("4.2")]), Value::None);
        assert_eq!(t("parse_float", &[s("4.5")]), Value::Float(4.5));
        assert_eq!(t("parse_float", &[s("x")]), Value::None);
    }
}
