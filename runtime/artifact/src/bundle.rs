//! `.paw` bundles: a program as PAW's tools exchange it. A zip of `meta.json`, `prompt_template.txt` (the
//! **complete** interpreter prompt, chat markup included, with exactly one [`INPUT_PLACEHOLDER`]),
//! `adapter.gguf` (llama.cpp's LoRA format) when the program has weights, and `pseudo_program.txt`.
//! `pawc export` writes them; `paw.toml`'s `[functions.NAME] program = "…"` imports them.
//!
//! A bundle comes from elsewhere, so reading one trusts nothing: only those four names (no folders, links or
//! paths, so nothing is ever extracted outside memory), each entry and the whole bounded by what is actually
//! inflated (not by what the archive claims), and the template checked. Writing is deterministic: the same
//! files give the same bytes (fixed order, times and permissions).

use std::io::{Cursor, Read, Write};

use serde_json::Value;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::artifact::{split_template, ADAPTER, INPUT_PLACEHOLDER, META, PROMPT_TEMPLATE, PSEUDO_PROGRAM};

/// The largest `.paw` file read, and the most its entries may inflate to together.
pub const MAX_BUNDLE_BYTES: u64 = 1 << 30;
/// The largest text entry (`meta.json`, the template, the pseudo-program).
pub const MAX_TEXT_BYTES: u64 = 4 << 20;
/// The largest `adapter.gguf` (PAW's rank-64 adapters of a 0.6B model are ~23 MB in Q4_0, ~180 MB in F16).
pub const MAX_ADAPTER_BYTES: u64 = 768 << 20;

/// The files of a bundle, in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    /// `meta.json`: a JSON object whose keys depend on the engine that wrote it.
    pub meta: Value,
    /// The complete prompt with exactly one [`INPUT_PLACEHOLDER`].
    pub prompt_template: String,
    pub pseudo_program: Option<String>,
    /// `adapter.gguf`'s bytes.
    pub adapter: Option<Vec<u8>>,
}

/// Why bytes are not a usable bundle. Display completes "the bundle …: ".
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum BundleError {
    #[error("it is not a zip archive ({0})")]
    NotZip(String),
    #[error("it holds `{0}`; a .paw bundle holds only {META}, {PROMPT_TEMPLATE}, {ADAPTER} and {PSEUDO_PROGRAM}")]
    UnexpectedEntry(String),
    #[error("it holds {0} twice")]
    Duplicate(String),
    #[error("it has no {0}")]
    Missing(&'static str),
    #[error("{name} is larger than {limit} bytes")]
    TooLarge { name: String, limit: u64 },
    #[error("its entries inflate to more than {MAX_BUNDLE_BYTES} bytes")]
    TooLargeInTotal,
    #[error("{name} cannot be read ({why})")]
    Damaged { name: String, why: String },
    #[error("{0} is not UTF-8 text")]
    NotText(&'static str),
    #[error("{META} is not a JSON object")]
    Meta,
    #[error("{PROMPT_TEMPLATE} must hold exactly one {INPUT_PLACEHOLDER}")]
    Placeholder,
}

impl BundleError {
    /// Whether the bundle is refused for its size (rather than its contents).
    pub fn is_size(&self) -> bool {
        matches!(self, BundleError::TooLarge { .. } | BundleError::TooLargeInTotal)
    }
}

impl Bundle {
    /// The bundle's files as a `.paw` zip.
    pub fn to_zip(&self) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::default())
            .unix_permissions(0o644);
        for (name, bytes) in self.files() {
            // Writing into memory fails only on a bug in the zip writer.
            zip.start_file(name, options)
                .expect("zip entries are written to memory");
            zip.write_all(&bytes).expect("zip entries are written to memory");
        }
        zip.finish().expect("zip archives are written to memory").into_inner()
    }

    /// Reads a `.paw` zip (see the module docs for what is refused).
    pub fn from_zip(bytes: &[u8]) -> Result<Bundle, BundleError> {
        if bytes.len() as u64 > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLargeInTotal);
        }
        let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| BundleError::NotZip(e.to_string()))?;
        // The zip reader keeps one entry per name; an archive that lists a name twice is refused, so that what
        // paw runs is never a matter of which copy a reader picks.
        if declared_entries(bytes).is_some_and(|n| n != archive.len()) {
            return Err(BundleError::Duplicate(
                "a name (its central directory lists more entries than it has names)".into(),
            ));
        }
        let mut files: [Option<Vec<u8>>; 4] = Default::default();
        let mut total = 0u64;
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).map_err(|e| BundleError::NotZip(e.to_string()))?;
            let name = entry.name().to_string();
            let slot = NAMES
                .iter()
                .position(|n| *n == name)
                .filter(|_| entry.is_file() && !entry.is_symlink())
                .ok_or_else(|| BundleError::UnexpectedEntry(name.clone()))?;
            if files[slot].is_some() {
                return Err(BundleError::Duplicate(format!("`{name}`")));
            }
            let limit = if name == ADAPTER {
                MAX_ADAPTER_BYTES
            } else {
                MAX_TEXT_BYTES
            };
            if entry.size() > limit {
                return Err(BundleError::TooLarge { name, limit });
            }
            // The declared size may lie: read one byte past the limit to know.
            // Grown as read, not reserved as declared: a header cannot make paw reserve memory.
            let mut data = Vec::new();
            (&mut entry)
                .take(limit + 1)
                .read_to_end(&mut data)
                .map_err(|e| BundleError::Damaged {
                    name: name.clone(),
                    why: e.to_string(),
                })?;
            if data.len() as u64 > limit {
                return Err(BundleError::TooLarge { name, limit });
            }
            total += data.len() as u64;
            if total > MAX_BUNDLE_BYTES {
                return Err(BundleError::TooLargeInTotal);
            }
            files[slot] = Some(data);
        }
        let [meta, template, pseudo_program, adapter] = files;
        let text =
            |name: &'static str, bytes: Vec<u8>| String::from_utf8(bytes).map_err(|_| BundleError::NotText(name));
        let meta: Value =
            serde_json::from_slice(&meta.ok_or(BundleError::Missing(META))?).map_err(|_| BundleError::Meta)?;
        if !meta.is_object() {
            return Err(BundleError::Meta);
        }
        let prompt_template = text(PROMPT_TEMPLATE, template.ok_or(BundleError::Missing(PROMPT_TEMPLATE))?)?;
        if split_template(&prompt_template).is_none() {
            return Err(BundleError::Placeholder);
        }
        Ok(Bundle {
            meta,
            prompt_template,
            pseudo_program: pseudo_program.map(|b| text(PSEUDO_PROGRAM, b)).transpose()?,
            adapter,
        })
    }

    /// blake3 of the bundle's contents (not of its zip bytes, so recompressing it changes nothing): what an
    /// imported function's program id is made from.
    pub fn digest(&self) -> String {
        let mut h = blake3::Hasher::new();
        for (name, bytes) in self.files() {
            for part in [name.as_bytes(), &bytes] {
                h.update(&(part.len() as u64).to_le_bytes());
                h.update(part);
            }
        }
        h.finalize().to_hex().to_string()
    }

    /// The present files, in the order they are written.
    fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        let meta = serde_json::to_vec_pretty(&self.meta).expect("JSON values serialize");
        let mut files = vec![
            (META, meta),
            (PROMPT_TEMPLATE, self.prompt_template.clone().into_bytes()),
        ];
        if let Some(p) = &self.pseudo_program {
            files.push((PSEUDO_PROGRAM, p.clone().into_bytes()));
        }
        if let Some(a) = &self.adapter {
            files.push((ADAPTER, a.clone()));
        }
        files
    }
}

/// The entry count of a zip's end-of-central-directory record (`None` for zip64 archives, which record it
/// elsewhere; the reader's own checks and the size limits still apply to them).
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    const SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    let at = bytes.windows(4).rposition(|w| w == SIGNATURE)?;
    let count = u16::from_le_bytes(bytes.get(at + 10..at + 12)?.try_into().ok()?);
    (count != u16::MAX).then_some(count as usize)
}

/// The names a bundle may hold, in the order of [`Bundle::from_zip`]'s slots.
const NAMES: [&str; 4] = [META, PROMPT_TEMPLATE, PSEUDO_PROGRAM, ADAPTER];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle() -> Bundle {
        Bundle {
            meta: json!({"program_id": "abc", "interpreter": "tiny"}),
            prompt_template: format!("<|im_start|>user\nSay yes.\n{INPUT_PLACEHOLDER}<|im_end|>\n"),
            pseudo_program: Some("Say yes.".into()),
            adapter: Some(vec![1, 2, 3, 4]),
        }
    }

    /// A zip of `entries` as written by hand: any names, any sizes.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            zip.start_file(*name, SimpleFileOptions::default()).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn bundles_round_trip_with_the_same_bytes_every_time() {
        let b = bundle();
        let bytes = b.to_zip();
        assert_eq!(bytes, bundle().to_zip());
        assert_eq!(Bundle::from_zip(&bytes).unwrap(), b);
        let mut without = b.clone();
        without.adapter = None;
        without.pseudo_program = None;
        assert_eq!(Bundle::from_zip(&without.to_zip()).unwrap(), without);
        assert_ne!(without.digest(), b.digest());
    }

    #[test]
    fn hostile_or_foreign_archives_are_refused() {
        let template = format!("x{INPUT_PLACEHOLDER}y");
        let good_meta: &[u8] = b"{}";
        let refuse = |entries: &[(&str, &[u8])], want: fn(&BundleError) -> bool| {
            let err = Bundle::from_zip(&zip_of(entries)).unwrap_err();
            assert!(want(&err), "{err:?}");
        };
        for name in [
            "../meta.json",
            "/etc/passwd",
            "sub/meta.json",
            "evil.sh",
            "META.JSON",
            "meta.json/",
        ] {
            refuse(
                &[(META, good_meta), (PROMPT_TEMPLATE, template.as_bytes()), (name, b"x")],
                |e| matches!(e, BundleError::UnexpectedEntry(_)),
            );
        }
        // A name twice (the writer refuses to, so the second name is patched in): never "the last one wins".
        let mut twice = zip_of(&[
            (META, good_meta),
            (PROMPT_TEMPLATE, template.as_bytes()),
            ("meta.jsoX", good_meta),
        ]);
        for at in 0..twice.len() - 9 {
            if &twice[at..at + 9] == b"meta.jsoX" {
                twice[at + 8] = b'n';
            }
        }
        let err = Bundle::from_zip(&twice).unwrap_err();
        assert!(matches!(err, BundleError::Duplicate(_)), "{err:?}");
        refuse(&[(PROMPT_TEMPLATE, template.as_bytes())], |e| {
            *e == BundleError::Missing(META)
        });
        refuse(&[(META, good_meta)], |e| *e == BundleError::Missing(PROMPT_TEMPLATE));
        refuse(&[(META, b"[1]"), (PROMPT_TEMPLATE, template.as_bytes())], |e| {
            *e == BundleError::Meta
        });
        refuse(&[(META, good_meta), (PROMPT_TEMPLATE, b"no placeholder")], |e| {
            *e == BundleError::Placeholder
        });
        let twice = format!("{INPUT_PLACEHOLDER}{INPUT_PLACEHOLDER}");
        refuse(&[(META, good_meta), (PROMPT_TEMPLATE, twice.as_bytes())], |e| {
            *e == BundleError::Placeholder
        });
        refuse(&[(META, good_meta), (PROMPT_TEMPLATE, &[0xff, 0xfe])], |e| {
            *e == BundleError::NotText(PROMPT_TEMPLATE)
        });
        // A zip bomb: megabytes of zeros that deflate to a few kilobytes.
        let zeros = vec![0u8; MAX_TEXT_BYTES as usize + 1];
        let bomb = zip_of(&[(META, &zeros)]);
        assert!(bomb.len() < 64 << 10);
        assert!(Bundle::from_zip(&bomb).unwrap_err().is_size());
        for junk in [&b""[..], b"PK\x03\x04", b"not a zip at all"] {
            assert!(matches!(Bundle::from_zip(junk), Err(BundleError::NotZip(_))));
        }
        // Truncated anywhere, a good bundle is refused, never half read.
        let good = bundle().to_zip();
        for cut in [1, good.len() / 2, good.len() - 1] {
            assert!(Bundle::from_zip(&good[..cut]).is_err(), "cut at {cut}");
        }
    }
}
