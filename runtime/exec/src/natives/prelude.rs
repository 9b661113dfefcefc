//! `std.prelude` (and the printing half of `std.io`).

use super::{arg, boolean, string, Host};
use crate::error::{ErrorKind, RuntimeError};
use crate::value::Value;

fn write_line(out: &mut dyn std::io::Write, text: &str) -> Result<(), RuntimeError> {
    out.write_all(text.as_bytes())
        .and_then(|_| out.write_all(b"\n"))
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => {
                RuntimeError::new(ErrorKind::OutputClosed, "the output's reader stopped reading")
            }
            _ => RuntimeError::new(ErrorKind::Io, format!("cannot write output: {e}")),
        })
}

pub fn print(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let v = arg(args, 0)?;
    match v {
        Value::Str(s) => write_line(host.stdout(), s)?,
        _ => {
            let text = v.to_text(host.types());
            write_line(host.stdout(), &text)?
        }
    }
    Ok(Value::Unit)
}

/// Flushes standard output first, so the two streams interleave in program order.
pub fn eprint(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let text = arg(args, 0)?.to_text(host.types());
    let _ = host.stdout().flush();
    write_line(host.stderr(), &text)?;
    let _ = host.stderr().flush();
    Ok(Value::Unit)
}

pub fn assert(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    if boolean(args, 0)? {
        Ok(Value::Unit)
    } else {
        Err(RuntimeError::new(
            ErrorKind::AssertionFailed,
            "assertion failed: the condition is false",
        ))
    }
}

pub fn assert_eq(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let (actual, expected) = (arg(args, 0)?, arg(args, 1)?);
    if actual == expected {
        return Ok(Value::Unit);
    }
    let show = |v: &Value| {
        let mut s = String::new();
        v.write_text(host.types(), &mut s, true);
        s
    };
    Err(RuntimeError::new(
        ErrorKind::AssertionFailed,
        format!(
            "assertion failed: the values differ\n  actual:   {}\n  expected: {}",
            show(actual),
            show(expected)
        ),
    ))
}

pub fn to_str(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    match arg(args, 0)? {
        s @ Value::Str(_) => Ok(s.clone()),
        v => Ok(Value::str(v.to_text(host.types()))),
    }
}

pub fn to_json(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::json(arg(args, 0)?.to_json(host.types())))
}

pub fn panic(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Err(RuntimeError::new(
        ErrorKind::Panic,
        format!("panicked: {}", string(args, 0)?),
    ))
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::natives::testing::{call, ints, s, TestHost};
    use crate::value::Value;

    #[test]
    fn print_writes_text_forms_and_eprint_goes_to_stderr() {
        let mut h = TestHost::new();
        call(&mut h, "prelude.print", &[s("hi")]).unwrap();
        call(&mut h, "io.print", &[ints(&[1, 2])]).unwrap();
        call(&mut h, "prelude.eprint", &[Value::Float(1.0)]).unwrap();
        assert_eq!(h.out(), "hi\n[1, 2]\n");
        assert_eq!(String::from_utf8(h.err.clone()).unwrap(), "1.0\n");
    }

    #[test]
    fn assertions_show_both_values() {
        let mut h = TestHost::new();
        assert!(call(&mut h, "prelude.assert", &[Value::Bool(true)]).is_ok());
        assert_eq!(
            call(&mut h, "prelude.assert", &[Value::Bool(false)]).unwrap_err().kind,
            ErrorKind::AssertionFailed
        );
        assert!(call(&mut h, "prelude.assert_eq", &[ints(&[1]), ints(&[1])]).is_ok());
        let e = call(&mut h, "prelude.assert_eq", &[s("1"), s("2")]).unwrap_err();
        assert_eq!(
            e.message,
            "assertion failed: the values differ\n  actual:   \"1\"\n  expected: \"2\""
        );
    }

    #[test]
    fn to_str_to_json_and_panic() {
        let mut h = TestHost::new();
        assert_eq!(call(&mut h, "prelude.to_str", &[Value::Int(7)]).unwrap(), s("7"));
        assert_eq!(
            call(&mut h, "prelude.to_json", &[ints(&[1])]).unwrap(),
            Value::json(serde_json::json!([1]))
        );
        let e = call(&mut h, "prelude.panic", &[s("boom")]).unwrap_err();
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Panic, "panicked: boom"));
    }
}
