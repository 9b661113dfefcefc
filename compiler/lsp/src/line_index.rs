//! Byte offsets (what spans hold) to LSP positions (line, UTF-16 code unit) and back.

use lsp_types::Position;

/// Line starts of one text, for converting in both directions without rescanning the text from its start.
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, line_starts }
    }

    /// The position of a byte offset (clamped to the text; an offset inside a character counts as its start).
    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let character = self.text[start..offset].encode_utf16().count();
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of a position; a position past a line's end is that line's end (before its newline),
    /// one past the last line is the end of the text, and one inside a surrogate pair is the character's start.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.line_starts.get(position.line as usize) else {
            return self.text.len();
        };
        let end = self
            .line_starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |next| next - 1);
        let mut units = 0;
        for (i, c) in self.text[start..end].char_indices() {
            units += c.len_utf16() as u32;
            if units > position.character {
                return start + i;
            }
        }
        end
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_utf16_code_units_not_bytes_or_chars() {
        // "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 units (a surrogate pair).
        let text = "let é = \"😀x\";\nnext";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(x), Position::new(0, 11));
        assert_eq!(index.offset(Position::new(0, 11)), x);
        let next = text.find("next").unwrap();
        assert_eq!(index.position(next), Position::new(1, 0));
        assert_eq!(index.offset(Position::new(1, 2)), next + 2);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(
            index.offset(Position::new(0, 99)),
            2,
            "past the line's end: before its newline"
        );
        assert_eq!(index.offset(Position::new(9, 0)), text.len());
        assert_eq!(index.position(99), Position::new(1, 2));
    }

    #[test]
    fn inside_a_surrogate_pair_is_the_character_start() {
        let text = "😀b";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(Position::new(0, 1)), 0);
        assert_eq!(index.offset(Position::new(0, 2)), 4);
    }
}
