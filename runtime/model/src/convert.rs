//! One-time conversion of a model's quantized tensors to Q8_0 after fetching, so that loading it needs no
//! requantization. Deterministic: the same input file gives byte-identical output.
//!
//! It stays in the engine although only provisioning runs it: it is pure tensor code over the engine's own
//! dependency (candle's GGUF reader, dequantizer and quantizer), and which tensors are worth converting is a
//! fact about the engine's kernels ([`Conversion`]). Moving it would make `paw-provision` link candle for
//! one function and split that knowledge from the kernels it describes.
use crate::error::{Error, Result};
use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::Device;
use std::path::Path;

/// Which tensors a conversion rewrites as Q8_0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// Those of types candle has only scalar kernels for (Q5_0, Q5_1, Q4_1).
    ScalarKernels,
    /// Every quantized weight matrix that is not Q8_0 already (K-quants too): paw's own kernel
    /// ([`crate::model::Kernels::Avx512Vnni`], [`crate::model::Kernels::Avx2`]) runs only Q8_0 and would
    /// otherwise requantize them at every load.
    /// The embedding table keeps its type: its rows are dequantized exactly on lookup.
    AllQuantized,
}

impl Conversion {
    /// Whether the tensor `name` of type `dt` is converted to Q8_0.
    pub fn applies_to(self, name: &str, dt: GgmlDType) -> bool {
        match self {
            Conversion::ScalarKernels => matches!(dt, GgmlDType::Q5_0 | GgmlDType::Q5_1 | GgmlDType::Q4_1),
            Conversion::AllQuantized => {
                name != "token_embd.weight"
                    && !matches!(dt, GgmlDType::Q8_0 | GgmlDType::F32 | GgmlDType::F16 | GgmlDType::BF16)
            }
        }
    }
}

/// Convert `src` to `dst` (written atomically). Returns how many tensors were converted.
pub fn convert_to_q8_0(src: &Path, dst: &Path, conversion: Conversion) -> Result<usize> {
    let mut f = std::fs::File::open(src).map_err(|e| Error::io(src, e))?;
    let ct = gguf_file::Content::read(&mut f)?;
    let mut names: Vec<&String> = ct.tensor_infos.keys().collect();
    // GGUF tensor order: keep the file's order (by offset) so the output is stable.
    names.sort_by_key(|n| ct.tensor_infos[*n].offset);
    let mut tensors = Vec::with_capacity(names.len());
    let mut converted = 0;
    for name in &names {
        let q = ct.tensor(&mut f, name, &Device::Cpu)?;
        let q = if conversion.applies_to(name, q.dtype()) {
            converted += 1;
            let t = q.dequantize(&Device::Cpu)?;
            QTensor::quantize(&t, GgmlDType::Q8_0)?
        } else {
            q
        };
        tensors.push((name.as_str(), q));
    }
    let mut md: Vec<(&str, &gguf_file::Value)> = ct.metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
    md.sort_by(|a, b| a.0.cmp(b.0));
    let tmp = dst.with_extension(format!("tmp{}", std::process::id()));
    {
        let out = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let mut w = std::io::BufWriter::new(out);
        let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, q)| (*n, q)).collect();
        gguf_file::write(&mut w, &md, &refs)?;
        use std::io::Write;
        w.flush().map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::rename(&tmp, dst).map_err(|e| Error::io(dst, e))?;
    Ok(converted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_quantized_keeps_the_embedding_table_float_and_q8_0_tensors() {
        let all = Conversion::AllQuantized;
        assert!(all.applies_to("blk.0.ffn_down.weight", GgmlDType::Q4K));
        assert!(all.applies_to("output.weight", GgmlDType::Q6K));
        assert!(!all.applies_to("token_embd.weight", GgmlDType::Q4K));
        assert!(!all.applies_to("blk.0.attn_norm.weight", GgmlDType::F32));
        assert!(!all.applies_to("blk.0.attn_q.weight", GgmlDType::Q8_0));
        assert!(!Conversion::ScalarKernels.applies_to("blk.0.ffn_down.weight", GgmlDType::Q4K));
        assert!(Conversion::ScalarKernels.applies_to("token_embd.weight", GgmlDType::Q5_0));
    }
}
