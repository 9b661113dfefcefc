//! `std.io`: files, standard input, arguments and the environment.

use super::{string, Host};
use crate::error::{ErrorKind, RuntimeError};
use crate::value::Value;

fn io_error(what: &str, path: &str, e: std::io::Error) -> RuntimeError {
    let help = match e.kind() {
        std::io::ErrorKind::NotFound => "check the path; relative paths start from the directory paw runs in",
        std::io::ErrorKind::PermissionDenied => "check the file's permissions",
        _ => "check that the path names a readable UTF-8 text file",
    };
    RuntimeError::new(ErrorKind::Io, format!("cannot {what} `{path}`: {e}")).with_help(help)
}

fn read(path: &str) -> Result<String, RuntimeError> {
    std::fs::read_to_string(path).map_err(|e| io_error("read", path, e))
}

pub fn read_file(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::str(read(string(args, 0)?)?))
}

pub fn read_lines(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let text = read(string(args, 0)?)?;
    Ok(Value::list(text.lines().map(Value::str).collect()))
}

pub fn write_file(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let path = string(args, 0)?;
    std::fs::write(path.as_str(), string(args, 1)?.as_bytes()).map_err(|e| io_error("write", path, e))?;
    Ok(Value::Unit)
}

pub fn stdin_lines(host: &mut dyn Host, _: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::list(host.stdin_lines()?.into_iter().map(Value::str).collect()))
}

pub fn args(host: &mut dyn Host, _: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::list(
        host.args().iter().map(|a| Value::str(a.as_str())).collect(),
    ))
}

pub fn env(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::opt(
        std::env::var(string(args, 0)?.as_str()).ok().map(Value::str),
    ))
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::natives::testing::{call, s, strs, TestHost};
    use crate::value::Value;

    #[test]
    fn files_round_trip_and_missing_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt").to_string_lossy().into_owned();
        let mut h = TestHost::new();
        call(&mut h, "io.write_file", &[s(&path), s("one\r\ntwo\n")]).unwrap();
        assert_eq!(call(&mut h, "io.read_file", &[s(&path)]).unwrap(), s("one\r\ntwo\n"));
        assert_eq!(
            call(&mut h, "io.read_lines", &[s(&path)]).unwrap(),
            strs(&["one", "two"])
        );
        let missing = dir.path().join("nope.txt").to_string_lossy().into_owned();
        let e = call(&mut h, "io.read_file", &[s(&missing)]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Io);
        assert!(
            e.message.starts_with(&format!("cannot read `{missing}`")),
            "{}",
            e.message
        );
    }

    #[test]
    fn args_stdin_and_env() {
        let mut h = TestHost::new();
        h.args = vec!["x".into(), "y".into()];
        assert_eq!(call(&mut h, "io.args", &[]).unwrap(), strs(&["x", "y"]));
        assert_eq!(call(&mut h, "io.stdin_lines", &[]).unwrap(), strs(&["in"]));
        assert_eq!(
            call(&mut h, "io.env", &[s("PAW_SURELY_UNSET_VARIABLE")]).unwrap(),
            Value::None
        );
        assert!(matches!(call(&mut h, "io.env", &[s("PATH")]).unwrap(), Value::Str(_)));
    }
}
