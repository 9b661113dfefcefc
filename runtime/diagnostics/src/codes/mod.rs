//! The long form of every diagnostic code, printed by `pawc explain CODE`.
//!
//! Codes are grouped by the phase that emits them, one file each:
//! `E00xx` syntax, `E01xx`–`E02xx` checking (`W01xx` warnings), `E05xx` data files (`W05xx` warnings),
//! `E06xx` imported programs, `E09xx` runtime errors.
//! A code, once published, keeps its meaning.

mod check;
mod data;
mod import;
mod runtime;
mod syntax;

/// The long explanation of one diagnostic code.
#[derive(Debug, Clone, Copy)]
pub struct Explanation {
    pub code: &'static str,
    /// One line: what the diagnostic means.
    pub title: &'static str,
    /// Several paragraphs: why it happens, an example, and how to fix it.
    pub text: &'static str,
}

/// Every published code, in order.
pub static ALL_CODES: &[&[Explanation]] = &[syntax::CODES, check::CODES, data::CODES, import::CODES, runtime::CODES];

/// Looks a code up, case-insensitively (`e0001` finds `E0001`).
pub fn explain(code: &str) -> Option<&'static Explanation> {
    ALL_CODES
        .iter()
        .flat_map(|group| group.iter())
        .find(|e| e.code.eq_ignore_ascii_case(code))
}
