//! One-time conversion of tensors whose candle CPU kernels are scalar-only (Q5_0, Q5_1, Q4_1) to Q8_0,
//! which has SIMD kernels. Deterministic: the same input file gives byte-identical output.
use crate::error::{Error, Result};
use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::Device;
use std::path::Path;

/// Whether a tensor of this type is converted to Q8_0.
pub fn needs_conversion(dt: GgmlDType) -> bool {
    matches!(dt, GgmlDType::Q5_0 | GgmlDType::Q5_1 | GgmlDType::Q4_1)
}

/// Convert `src` to `dst` (written atomically). Returns how many tensors were converted.
pub fn convert_to_q8_0(src: &Path, dst: &Path) -> Result<usize> {
    let mut f = std::fs::File::open(src).map_err(|e| Error::io(src, e))?;
    let ct = gguf_file::Content::read(&mut f)?;
    let mut names: Vec<&String> = ct.tensor_infos.keys().collect();
    // GGUF tensor order: keep the file's order (by offset) so the output is stable.
    names.sort_by_key(|n| ct.tensor_infos[*n].offset);
    let mut tensors = Vec::with_capacity(names.len());
    let mut converted = 0;
    for name in &names {
        let q = ct.tensor(&mut f, name, &Device::Cpu)?;
        let q = if needs_conversion(q.dtype()) {
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
