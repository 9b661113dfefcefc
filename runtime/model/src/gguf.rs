//! What a GGUF file says before anything is built from it, checked against the file itself: candle's reader
//! (`gguf_file::Content::read`) caps strings, arrays and counts by the file's length, but it divides by the
//! file's `general.alignment` and sizes each tensor by multiplying its dimensions, both as written. A damaged or
//! hostile file must be an error, never a panic, an overflow or an allocation larger than the file.
use std::io::{Read, Seek, SeekFrom};

use candle_core::quantized::gguf_file;

/// The header and metadata of the GGUF file in `r`, read by candle once what would make its reader panic is
/// ruled out. The error is the reason, for the caller to say which file it is about.
pub(crate) fn read_header<R: Read + Seek>(r: &mut R) -> Result<gguf_file::Content, String> {
    if zero_alignment(r).map_err(|e| e.to_string())? {
        return Err("`general.alignment` is 0".into());
    }
    gguf_file::Content::read(r).map_err(|e| e.to_string())
}

/// Checks that every tensor the header lists lies inside the file (its size computed without overflow), so
/// reading one allocates no more than the file holds.
pub(crate) fn check_tensor_extents(ct: &gguf_file::Content, file_len: u64) -> Result<(), String> {
    for (name, info) in &ct.tensor_infos {
        let elements = info.shape.dims().iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let block = info.ggml_dtype.block_size();
        let bytes = elements
            .filter(|n| n % block == 0)
            .and_then(|n| (n / block).checked_mul(info.ggml_dtype.type_size()));
        let end = bytes.and_then(|b| {
            ct.tensor_data_offset
                .checked_add(info.offset)?
                .checked_add(u64::try_from(b).ok()?)
        });
        if end.is_none_or(|end| end > file_len) {
            return Err(format!(
                "tensor `{name}` ({:?} of {:?}) does not fit in the file",
                info.shape.dims(),
                info.ggml_dtype
            ));
        }
    }
    Ok(())
}

/// Whether the metadata sets `general.alignment` to 0 as one of the integer types candle's reader takes it from.
/// The metadata is walked without keeping it (strings and arrays are skipped) and `r` is left where it was; a
/// header that cannot be walked is left to candle's reader to refuse.
fn zero_alignment<R: Read + Seek>(r: &mut R) -> std::io::Result<bool> {
    let start = r.stream_position()?;
    let found = walk_for_zero_alignment(r).unwrap_or(false);
    r.seek(SeekFrom::Start(start))?;
    Ok(found)
}

const KEY: &[u8] = b"general.alignment";
/// Nesting of arrays in arrays that candle's reader accepts.
const MAX_DEPTH: usize = 64;

fn walk_for_zero_alignment<R: Read + Seek>(r: &mut R) -> std::io::Result<bool> {
    let _magic = read_u32(r)?;
    // Version 1 writes lengths and counts as u32, later versions as u64.
    let wide = read_u32(r)? != 1;
    let _tensors = read_len(r, wide)?;
    let entries = read_len(r, wide)?;
    for _ in 0..entries {
        let key_len = read_len(r, wide)?;
        let is_key = if key_len == KEY.len() as u64 {
            let mut key = [0u8; KEY.len()];
            r.read_exact(&mut key)?;
            key == KEY
        } else {
            skip(r, key_len)?;
            false
        };
        let ty = read_u32(r)?;
        if is_key {
            // U8, I8, U16, I16, U32, I32: the types candle reads an alignment from.
            let size = match ty {
                0 | 1 => 1,
                2 | 3 => 2,
                4 | 5 => 4,
                _ => return Ok(false),
            };
            let mut value = [0u8; 4];
            r.read_exact(&mut value[..size])?;
            return Ok(value == [0; 4]);
        }
        skip_value(r, ty, wide, 0)?;
    }
    Ok(false)
}

fn skip_value<R: Read + Seek>(r: &mut R, ty: u32, wide: bool, depth: usize) -> std::io::Result<()> {
    let fixed = |ty: u32| match ty {
        0 | 1 | 7 => Some(1u64),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    };
    match ty {
        8 => {
            let len = read_len(r, wide)?;
            skip(r, len)
        }
        9 if depth < MAX_DEPTH => {
            let item = read_u32(r)?;
            let len = read_len(r, wide)?;
            match fixed(item) {
                Some(size) => skip(r, len.checked_mul(size).ok_or_else(too_long)?),
                // Strings and arrays each take at least one length from the file, so this ends at its end.
                None => (0..len).try_for_each(|_| skip_value(r, item, wide, depth + 1)),
            }
        }
        _ => skip(r, fixed(ty).ok_or_else(too_long)?),
    }
}

fn too_long() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, "not a GGUF value")
}

/// Moves `n` bytes on, failing at the end of the file.
fn skip<R: Read + Seek>(r: &mut R, n: u64) -> std::io::Result<()> {
    let pos = r.stream_position()?;
    let end = r.seek(SeekFrom::End(0))?;
    match pos.checked_add(n) {
        Some(to) if to <= end => r.seek(SeekFrom::Start(to)).map(drop),
        _ => Err(std::io::ErrorKind::UnexpectedEof.into()),
    }
}

fn read_u32<R: Read>(r: &mut R) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_len<R: Read>(r: &mut R, wide: bool) -> std::io::Result<u64> {
    if !wide {
        return read_u32(r).map(u64::from);
    }
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}
