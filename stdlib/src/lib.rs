//! The standard library's declarations, as `.pw` source embedded in the binary.
//!
//! Each `stdlib/std/NAME.pw` file declares the module `std.NAME`: `native fn`s with signatures and docstrings.
//! The checker reads these declarations like any other module; the runtime supplies each native's
//! implementation under its qualified name (`"text.len"`). `prelude` is in scope in every file unqualified.

/// `(module name, source)` for every standard module.
pub static MODULES: &[(&str, &str)] = &[
    ("prelude", include_str!("../std/prelude.pw")),
    ("io", include_str!("../std/io.pw")),
    ("text", include_str!("../std/text.pw")),
    ("list", include_str!("../std/list.pw")),
    ("dict", include_str!("../std/dict.pw")),
    ("json", include_str!("../std/json.pw")),
    ("math", include_str!("../std/math.pw")),
];

/// The source of `std.NAME`, if it exists.
pub fn module_source(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, src)| *src)
}

pub mod doc;
