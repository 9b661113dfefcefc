use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use std::time::Instant;
fn main() -> anyhow::Result<()> {
    let dev = Device::Cpu;
    for (name, n, k, dt) in [("out", 151936usize, 1024usize, GgmlDType::Q8_0), ("gate_up", 9728, 1024, GgmlDType::Q8_0), ("down_q6k", 896, 4864, GgmlDType::Q6K), ("down_q4k", 896, 4864, GgmlDType::Q4K), ("down_q8", 896, 4864, GgmlDType::Q8_0), ("qkv", 1152, 1024, GgmlDType::Q8_0)] {
        let w = Tensor::randn(0f32, 1.0, (n, k), &dev)?;
        let q = QTensor::quantize(&w, dt)?;
        let bytes = q.storage_size_in_bytes();
        let mm = QMatMul::from_qtensor(q)?;
        for m in [1usize, 4, 32] {
            let x = Tensor::randn(0f32, 1.0, (m, k), &dev)?;
            mm.forward(&x)?;
            let reps = if name == "out" { 20 } else { 400 };
            let t = Instant::now();
            for _ in 0..reps { mm.forward(&x)?; }
            let s = t.elapsed().as_secs_f64() / reps as f64;
            println!("{name} m={m}: {:.3} ms, {:.1} GB/s", s * 1e3, bytes as f64 / s / 1e9);
        }
    }
    Ok(())
}
