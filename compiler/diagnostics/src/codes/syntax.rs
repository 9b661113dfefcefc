use super::Explanation;

pub(super) static CODES: &[Explanation] = &[];
