//! LoRA adapters on the tiny generated models: the math against a dense f32 reference, the GGUF format
//! (written by paw, read back by paw; hostile files), exactness where the adapter changes nothing, prefix
//! states, and one model serving several adapters at once.
use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use paw_model::testing::{kernels_to_test, random_adapter, write_tiny_model};
use paw_model::{Adapter, Arch, Error, Kernels, KvState, LoadOptions, LoraPair, Model, Projection, StoredAs};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("paw-model-lora-tests-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn tiny_path(arch: Arch) -> PathBuf {
    let p = dir().join(format!("tiny-{}.gguf", arch.name()));
    if !p.exists() {
        let tmp = p.with_extension(format!("tmp{:?}", std::thread::current().id()).replace(['(', ')'], ""));
        write_tiny_model(&tmp, arch, 42).unwrap();
        std::fs::rename(&tmp, &p).unwrap();
    }
    p
}

fn load(path: &Path, kernels: Kernels) -> Model {
    Model::load_with(path, &LoadOptions { kernels }).unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn prompt(m: &Model) -> Vec<u32> {
    m.tokenizer
        .chat_prompt(Some("sys"), "a prompt long enough for a prefix and a call")
        .unwrap()
}

/// Logits of every position of `tokens` from an empty state with `adapter`.
fn all_logits(m: &Model, adapter: Option<&Arc<Adapter>>, tokens: &[u32]) -> Vec<f32> {
    let mut st = adapter.map_or_else(KvState::new, |a| KvState::with_adapter(a.clone()));
    let hidden = m.forward(&mut st, tokens).unwrap();
    m.logits(&hidden).unwrap()
}

/// The dense reference: a copy of the model file `src` with every projection matrix dequantized to f32 and,
/// where `adapter` has a pair for it, merged: `W + s·B·A`, summed in f64.
fn write_merged(src: &Path, dst: &Path, adapter: Option<&Adapter>) {
    let mut f = std::fs::File::open(src).unwrap();
    let ct = gguf_file::Content::read(&mut f).unwrap();
    let mut names: Vec<&String> = ct.tensor_infos.keys().collect();
    names.sort_by_key(|n| ct.tensor_infos[*n].offset);
    let mut tensors = Vec::new();
    for name in names {
        let q = ct.tensor(&mut f, name, &Device::Cpu).unwrap();
        let projection = name
            .strip_prefix("blk.")
            .and_then(|r| r.split_once('.'))
            .and_then(|(layer, rest)| {
                let p = Projection::from_name(rest.strip_suffix(".weight")?)?;
                Some((layer.parse::<usize>().unwrap(), p))
            });
        let q = match projection {
            None => q,
            Some((layer, p)) => {
                let w = q.dequantize(&Device::Cpu).unwrap();
                let (outputs, inputs) = w.dims2().unwrap();
                let mut w = w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                if let Some(pair) = adapter.and_then(|a| a.pair(layer, p).map(|pair| (a, pair))) {
                    let (a, pair) = pair;
                    let (s, r, am, bm) = (a.scale(pair) as f64, pair.rank(), pair.a(), pair.b());
                    for o in 0..outputs {
                        for i in 0..inputs {
                            let ba: f64 = (0..r).map(|j| bm[o * r + j] as f64 * am[j * inputs + i] as f64).sum();
                            w[o * inputs + i] = (w[o * inputs + i] as f64 + s * ba) as f32;
                        }
                    }
                }
                let t = Tensor::from_vec(w, (outputs, inputs), &Device::Cpu).unwrap();
                QTensor::quantize(&t, GgmlDType::F32).unwrap()
            }
        };
        tensors.push((name.clone(), q));
    }
    let md: Vec<(&str, &gguf_file::Value)> = ct.metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, q)| (n.as_str(), q)).collect();
    let mut out = std::fs::File::create(dst).unwrap();
    gguf_file::write(&mut out, &md, &refs).unwrap();
}

#[test]
fn adapter_logits_match_a_dense_merged_reference() {
    for arch in [Arch::Qwen2, Arch::Qwen3, Arch::Llama] {
        let src = tiny_path(arch);
        let config = load(&src, Kernels::Candle).config.clone();
        let adapter = Arc::new(random_adapter(&config, 4, 0.3, 7).unwrap());
        let base_f32 = dir().join(format!("{}-f32.gguf", arch.name()));
        let merged_f32 = dir().join(format!("{}-merged.gguf", arch.name()));
        write_merged(&src, &base_f32, None);
        write_merged(&src, &merged_f32, Some(&adapter));
        // candle multiplies f32 matrices in f32 (paw's kernel would requantize them).
        let base_f32 = load(&base_f32, Kernels::Candle);
        let merged = load(&merged_f32, Kernels::Candle);
        let tokens = prompt(&merged);
        let reference = all_logits(&merged, None, &tokens);
        let scale = reference.iter().map(|x| x.abs()).fold(1.0, f32::max);

        // An effect far beyond every tolerance below.
        let effect = max_abs_diff(&reference, &all_logits(&base_f32, None, &tokens));
        assert!(
            effect > 0.2 * scale,
            "{arch:?}: the adapter changes logits by only {effect}"
        );

        // On f32 weights the low-rank path and the merged matrix differ only in rounding: compared on the
        // final hidden states (the logits' Q8_0 output projection would round such differences away).
        let hidden = |m: &Model, adapter: Option<&Arc<Adapter>>| {
            let mut st = adapter.map_or_else(KvState::new, |a| KvState::with_adapter(a.clone()));
            m.forward(&mut st, &tokens).unwrap()
        };
        let (want, got) = (hidden(&merged, None), hidden(&base_f32, Some(&adapter)));
        let h_scale = want.iter().map(|x| x.abs()).fold(1.0, f32::max);
        let d = max_abs_diff(&want, &got);
        assert!(
            d < 1e-5 * h_scale,
            "{arch:?}: f32 base + adapter differs from the merged reference by {d}"
        );
        let d = max_abs_diff(&reference, &all_logits(&base_f32, Some(&adapter), &tokens));
        assert!(
            d < 1e-4 * scale,
            "{arch:?}: f32 base + adapter: logits differ from the reference by {d}"
        );

        // On the quantized base, both kernels quantize the activations entering a base matrix to Q8_0 (and
        // paw's requantizes layer 0's Q5_0 matrices to Q8_0): that is all that separates the base from its
        // dequantized f32 copy, so the adapter (computed in f32) may add nothing to that gap beyond what the
        // slightly different activations it feeds through quantization bring.
        for kernels in kernels_to_test("lora::adapter_logits_match_a_dense_merged_reference") {
            let q = load(&src, kernels);
            let gap = max_abs_diff(&all_logits(&q, None, &tokens), &all_logits(&base_f32, None, &tokens));
            let d = max_abs_diff(&reference, &all_logits(&q, Some(&adapter), &tokens));
            assert!(
                d < 2.0 * gap + 1e-4 * scale && d < 0.05 * effect,
                "{arch:?}/{kernels:?}: quantized base + adapter differs from the reference by {d} \
                 (quantization alone: {gap}, the adapter's effect: {effect})"
            );
        }
    }
}

#[test]
fn a_zero_adapter_gives_bit_identical_logits() {
    for kernels in kernels_to_test("lora::a_zero_adapter_gives_bit_identical_logits") {
        let m = load(&tiny_path(Arch::Qwen2), kernels);
        let zero = Arc::new(random_adapter(&m.config, 4, 0.0, 3).unwrap());
        let tokens = prompt(&m);
        let split = tokens.len() / 2;
        assert_eq!(
            all_logits(&m, Some(&zero), &tokens),
            all_logits(&m, None, &tokens),
            "{kernels:?}"
        );
        // A prefix, one call's decode steps, and branches.
        let (with, without) = (
            m.prefill_with(&tokens[..split], Some(&zero)).unwrap(),
            m.prefill(&tokens[..split]).unwrap(),
        );
        let (mut a, mut b) = (with.clone(), without.clone());
        for &t in &tokens[split..] {
            assert_eq!(
                m.next_logits(&mut a, &[t]).unwrap(),
                m.next_logits(&mut b, &[t]).unwrap()
            );
        }
        let branches = vec![tokens[split..split + 3].to_vec(), tokens[split + 1..split + 2].to_vec()];
        assert_eq!(
            m.forward_branches(&with, &branches).unwrap(),
            m.forward_branches(&without, &branches).unwrap()
        );
    }
}

#[test]
fn a_prefix_with_the_adapter_then_a_call_equals_the_whole_prompt() {
    let dir = tempfile::tempdir().unwrap();
    for kernels in kernels_to_test("lora::a_prefix_with_the_adapter_then_a_call_equals_the_whole_prompt") {
        let m = load(&tiny_path(Arch::Qwen2), kernels);
        // A strong adapter (B's entries up to ±0.3) makes this tiny model's output jump at the rounding
        // boundaries of the activations' Q8_0 quantization (changing alpha by 1e-6 moves hidden states by 0.02),
        // so that the last-bit differences between attention over a frozen prefix and over fresh rows (the
        // former scores with transposed keys) show; ±0.1 still moves the logits by 5 and stays smooth.
        let adapter = Arc::new(random_adapter(&m.config, 8, 0.1, 11).unwrap());
        let tokens = prompt(&m);
        let split = tokens.len() / 2;
        let whole = m
            .next_logits(&mut KvState::with_adapter(adapter.clone()), &tokens)
            .unwrap();
        let prefix = m.prefill_with(&tokens[..split], Some(&adapter)).unwrap();
        assert!(Arc::ptr_eq(prefix.adapter().unwrap(), &adapter));
        let call = m.next_logits(&mut prefix.clone(), &tokens[split..]).unwrap();
        let d = max_abs_diff(&whole, &call);
        assert!(
            d < 1e-3,
            "{kernels:?}: prefix + call differs from the whole prompt by {d}"
        );
        // Token by token too (decode).
        let mut st = prefix.clone();
        let mut last = Vec::new();
        for &t in &tokens[split..] {
            last = m.next_logits(&mut st, &[t]).unwrap();
        }
        let d = max_abs_diff(&whole, &last);
        assert!(d < 1e-3, "{kernels:?}: decoding after the prefix differs by {d}");
        let plain = m.next_logits(&mut KvState::new(), &tokens).unwrap();
        assert!(max_abs_diff(&whole, &plain) > 0.1, "the adapter changes the answer");

        // Saved and restored with its adapter, the prefix continues the same; without it (or with another
        // adapter) it is refused.
        let path = dir.path().join(format!("prefix-{kernels:?}.safetensors"));
        m.save_prefix(&prefix, &path).unwrap();
        let mut restored = m.load_prefix_with(&path, Some(&adapter)).unwrap();
        let d = max_abs_diff(&call, &m.next_logits(&mut restored, &tokens[split..]).unwrap());
        assert!(d < 1e-3, "{kernels:?}: restored prefix differs by {d}");
        assert!(matches!(m.load_prefix(&path), Err(Error::PrefixMismatch(_))));
        let other = Arc::new(random_adapter(&m.config, 8, 0.1, 12).unwrap());
        assert!(matches!(
            m.load_prefix_with(&path, Some(&other)),
            Err(Error::PrefixMismatch(_))
        ));
        let plain_path = dir.path().join("plain.safetensors");
        m.save_prefix(&m.prefill(&tokens[..split]).unwrap(), &plain_path)
            .unwrap();
        assert!(matches!(
            m.load_prefix_with(&plain_path, Some(&adapter)),
            Err(Error::PrefixMismatch(_))
        ));
    }
}

#[test]
fn one_model_serves_different_adapters_at_once() {
    let m = Arc::new(load(&tiny_path(Arch::Qwen2), LoadOptions::default().kernels));
    let adapters: Vec<Option<Arc<Adapter>>> = vec![
        None,
        Some(Arc::new(random_adapter(&m.config, 4, 0.3, 21).unwrap())),
        Some(Arc::new(random_adapter(&m.config, 8, 0.3, 22).unwrap())),
    ];
    let tokens = prompt(&m);
    let expected: Vec<Vec<f32>> = adapters.iter().map(|a| all_logits(&m, a.as_ref(), &tokens)).collect();
    assert!(max_abs_diff(&expected[1], &expected[2]) > 0.1);
    let handles: Vec<_> = (0..6)
        .map(|i| {
            let (m, a, tokens) = (m.clone(), adapters[i % 3].clone(), tokens.clone());
            std::thread::spawn(move || all_logits(&m, a.as_ref(), &tokens))
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let d = max_abs_diff(&h.join().unwrap(), &expected[i % 3]);
        assert!(d < 1e-4, "call {i} differs by {d}");
    }
}

#[test]
fn adapter_files_round_trip_in_llama_cpp_layout() {
    let m = load(&tiny_path(Arch::Qwen2), Kernels::Candle);
    let adapter = random_adapter(&m.config, 4, 0.3, 5).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("adapter.gguf");
    adapter.write(&path, StoredAs::F32).unwrap();
    let back = Adapter::read(&path).unwrap();
    assert_eq!((back.arch(), back.alpha()), (Arch::Qwen2, 8.0));
    assert_eq!(back.pairs().count(), 2 * 7);
    for ((key, a), (key_back, b)) in adapter.pairs().zip(back.pairs()) {
        assert_eq!(key, key_back);
        assert_eq!((a.rank(), a.inputs(), a.outputs()), (b.rank(), b.inputs(), b.outputs()));
        assert_eq!(a.a(), b.a());
        assert_eq!(a.b(), b.b());
    }
    assert_eq!(adapter.fingerprint(), back.fingerprint());
    // Deterministic bytes: writing what was read gives the same file.
    assert_eq!(back.to_bytes(StoredAs::F32).unwrap(), std::fs::read(&path).unwrap());

    // The file as llama.cpp reads it (candle lists ggml's dimensions in reverse: `[ne1, ne0]`).
    let mut f = std::fs::File::open(&path).unwrap();
    let ct = gguf_file::Content::read(&mut f).unwrap();
    let text = |k: &str| ct.metadata[k].to_string().unwrap().clone();
    assert_eq!(text("general.architecture"), "qwen2");
    assert_eq!(text("general.type"), "adapter");
    assert_eq!(text("adapter.type"), "lora");
    assert_eq!(ct.metadata["adapter.lora.alpha"].to_f32().unwrap(), 8.0);
    let mut mf = std::fs::File::open(tiny_path(Arch::Qwen2)).unwrap();
    let model_ct = gguf_file::Content::read(&mut mf).unwrap();
    for layer in 0..2 {
        for p in Projection::ALL {
            let base = model_ct.tensor_infos[&format!("blk.{layer}.{}.weight", p.name())]
                .shape
                .dims()
                .to_vec();
            let a = &ct.tensor_infos[&p.tensor_name(layer, false)];
            let b = &ct.tensor_infos[&p.tensor_name(layer, true)];
            assert_eq!((a.ggml_dtype, b.ggml_dtype), (GgmlDType::F32, GgmlDType::F32));
            // llama.cpp: model ne0 == a ne0 (inputs), model ne1 == b ne1 (outputs), a ne1 == b ne0 (rank).
            assert_eq!(a.shape.dims(), &[4, base[1]], "{}", p.name());
            assert_eq!(b.shape.dims(), &[base[0], 4], "{}", p.name());
        }
    }

    // F16 storage: values within f16's precision, a file about half the size.
    let half = dir.path().join("adapter-f16.gguf");
    adapter.write(&half, StoredAs::F16).unwrap();
    let back16 = Adapter::read(&half).unwrap();
    for ((_, a), (_, b)) in adapter.pairs().zip(back16.pairs()) {
        assert!(max_abs_diff(a.a(), b.a()) < 1e-3 && max_abs_diff(&a.b(), &b.b()) < 1e-3);
    }
    assert!(std::fs::metadata(&half).unwrap().len() < std::fs::metadata(&path).unwrap().len() * 6 / 10);
}

#[test]
fn adapters_that_do_not_fit_the_model_are_clear_errors() {
    let m = load(&tiny_path(Arch::Qwen2), Kernels::Candle);
    let tokens = prompt(&m);
    let pair = |rank: usize, inputs: usize, outputs: usize| {
        LoraPair::new(
            vec![0.1; rank * inputs],
            vec![0.1; outputs * rank],
            rank,
            inputs,
            outputs,
        )
        .unwrap()
    };
    let (d, q) = (m.config.d_model, m.config.n_head * m.config.head_dim);
    let cases = [
        (
            Adapter::new(Arch::Llama, 1.0, [((0, Projection::AttnQ), pair(2, d, q))]).unwrap(),
            "llama",
        ),
        (
            Adapter::new(Arch::Qwen2, 1.0, [((2, Projection::AttnQ), pair(2, d, q))]).unwrap(),
            "layer 2",
        ),
        (
            Adapter::new(Arch::Qwen2, 1.0, [((0, Projection::FfnDown), pair(2, d, q))]).unwrap(),
            "ffn_down",
        ),
    ];
    for (adapter, says) in cases {
        let adapter = Arc::new(adapter);
        for err in [
            m.check_adapter(&adapter).unwrap_err(),
            m.prefill_with(&tokens, Some(&adapter)).unwrap_err(),
            m.next_logits(&mut KvState::with_adapter(adapter.clone()), &tokens)
                .unwrap_err(),
        ] {
            assert!(matches!(err, Error::AdapterMismatch(_)), "{err}");
            assert!(err.to_string().contains(says), "{err}");
        }
    }
    assert!(matches!(
        Adapter::new(
            Arch::Qwen2,
            1.0,
            [
                ((0, Projection::AttnQ), pair(2, d, q)),
                ((0, Projection::AttnQ), pair(2, d, q))
            ]
        ),
        Err(Error::Adapter(_))
    ));
}

/// A GGUF v3 file's bytes, by hand: `metadata` string values, then tensor infos `(name, ggml dims, type)`
/// (offsets 0), then `data`.
fn gguf_bytes(metadata: &[(&str, &str)], tensors: &[(&str, &[u64], u32)], data: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    let s = |b: &mut Vec<u8>, x: &str| {
        b.extend((x.len() as u64).to_le_bytes());
        b.extend(x.as_bytes());
    };
    b.extend(b"GGUF");
    b.extend(3u32.to_le_bytes());
    b.extend((tensors.len() as u64).to_le_bytes());
    b.extend((metadata.len() as u64).to_le_bytes());
    for (k, v) in metadata {
        s(&mut b, k);
        b.extend(8u32.to_le_bytes()); // string
        s(&mut b, v);
    }
    for (name, dims, ty) in tensors {
        s(&mut b, name);
        b.extend((dims.len() as u32).to_le_bytes());
        for d in *dims {
            b.extend(d.to_le_bytes());
        }
        b.extend(ty.to_le_bytes());
        b.extend(0u64.to_le_bytes());
    }
    while b.len() % 32 != 0 {
        b.push(0);
    }
    b.extend(data);
    b
}

#[test]
fn hostile_or_foreign_adapter_files_are_refused_without_allocating() {
    let md = [
        ("general.architecture", "qwen2"),
        ("general.type", "adapter"),
        ("adapter.type", "lora"),
    ];
    let expect = |bytes: &[u8], says: &str| match Adapter::from_bytes(bytes) {
        Err(e @ Error::Adapter(_)) => assert!(e.to_string().contains(says), "{e} (wanted {says:?})"),
        other => panic!("wanted an adapter error saying {says:?}, got {other:?}"),
    };
    let a = "blk.0.attn_q.weight.lora_a";
    let b = "blk.0.attn_q.weight.lora_b";
    // 2^40 × 2^40 f32 elements, declared in a file of a few hundred bytes.
    let huge: &[u64] = &[1 << 40, 1 << 40];
    expect(&gguf_bytes(&md, &[(a, huge, 0), (b, huge, 0)], &[]), "cannot fit");
    let overflow: &[u64] = &[u64::MAX / 2, 3];
    expect(
        &gguf_bytes(&md, &[(a, overflow, 0), (b, &[3, 2], 0)], &[]),
        "cannot fit",
    );
    expect(
        &gguf_bytes(&md, &[(a, &[4, 2, 1], 0), (b, &[2, 4], 0)], &[0; 64]),
        "not a matrix",
    );
    // Declared to fit, but the data is missing.
    expect(
        &gguf_bytes(&md, &[(a, &[16, 2], 0), (b, &[2, 16], 0)], &[0; 8]),
        "remaining",
    );
    // A rank that differs between the halves (lora_a not transposed).
    expect(&gguf_bytes(&md, &[(a, &[2, 4], 0), (b, &[2, 4], 0)], &[0; 64]), "rank");
    expect(&gguf_bytes(&md, &[(a, &[4, 2], 0)], &[0; 64]), "lacks one");
    expect(
        &gguf_bytes(&md, &[("output.weight.lora_a", &[4, 2], 0)], &[0; 64]),
        "unexpected tensor",
    );
    expect(&gguf_bytes(&md[..2], &[], &[]), "adapter.type");
    expect(
        &gguf_bytes(
            &[
                ("general.architecture", "qwen2"),
                ("general.type", "model"),
                ("adapter.type", "lora"),
            ],
            &[],
            &[],
        ),
        "not `adapter`",
    );
    expect(
        &gguf_bytes(
            &[
                ("general.architecture", "phi3"),
                ("general.type", "adapter"),
                ("adapter.type", "lora"),
            ],
            &[],
            &[],
        ),
        "phi3",
    );
    expect(
        b"GGUF\x03\0\0\0\xff\xff\xff\xff\xff\xff\xff\x7f\0\0\0\0\0\0\0\0",
        "not a readable GGUF",
    );
    expect(b"not a gguf file at all", "not a readable GGUF");
    // A well-formed file truncated anywhere is refused.
    let m = load(&tiny_path(Arch::Qwen2), Kernels::Candle);
    let good = random_adapter(&m.config, 2, 0.3, 1)
        .unwrap()
        .to_bytes(StoredAs::F32)
        .unwrap();
    for cut in [10, 100, good.len() / 2, good.len() - 1] {
        assert!(Adapter::from_bytes(&good[..cut]).is_err(), "cut at {cut}");
    }
    // A file without alpha has scale 1 (llama.cpp's convention); norm tensors are skipped as llama.cpp does.
    let mut data = Vec::new();
    for x in [1.0f32, 2.0, 3.0, 4.0] {
        data.extend(x.to_le_bytes());
    }
    data.resize(32, 0);
    for x in [5.0f32, 6.0] {
        data.extend(x.to_le_bytes());
    }
    let bytes = gguf_bytes(
        &md,
        &[(a, &[4, 1], 0), (b, &[1, 2], 0), ("blk.0.attn_norm.weight", &[4], 0)],
        &[],
    );
    // Offsets: lora_a at 0, lora_b at 32, the norm at 0 again (never read).
    let mut bytes = bytes;
    let at = bytes.windows(b.len()).position(|w| w == b.as_bytes()).unwrap() + b.len() + 4 + 16 + 4;
    bytes[at..at + 8].copy_from_slice(&32u64.to_le_bytes());
    bytes.extend(&data);
    let adapter = Adapter::from_bytes(&bytes).unwrap();
    let pair = adapter.pair(0, Projection::AttnQ).unwrap();
    assert_eq!(
        (pair.a(), pair.b().as_slice(), adapter.scale(pair)),
        (&[1.0, 2.0, 3.0, 4.0][..], &[5.0, 6.0][..], 1.0)
    );
}

#[test]
fn peft_export_has_hugging_face_names_shapes_and_row_order() {
    use paw_model::peft::to_peft;
    for arch in [Arch::Qwen2, Arch::Llama] {
        let m = load(&tiny_path(arch), Kernels::Candle);
        let c = &m.config;
        // Ranks 4 everywhere but one pair of rank 2: `r` is 4, the other a rank pattern with the same scale.
        let mut pairs: Vec<_> = random_adapter(c, 4, 0.3, 9)
            .unwrap()
            .pairs()
            .map(|(k, p)| (k, p.clone()))
            .collect();
        let (outputs, inputs) = Projection::FfnDown.shape(c);
        pairs[13] = (
            (1, Projection::FfnDown),
            LoraPair::new(vec![0.5; 2 * inputs], vec![0.25; outputs * 2], 2, inputs, outputs).unwrap(),
        );
        let adapter = Adapter::new(arch, 8.0, pairs).unwrap();
        let files = to_peft(&adapter, c, "Qwen/Tiny").unwrap();
        assert_eq!(
            files.weights,
            to_peft(&adapter, c, "Qwen/Tiny").unwrap().weights,
            "deterministic"
        );
        let config: serde_json::Value = serde_json::from_str(&files.config).unwrap();
        assert_eq!(config["peft_type"], "LORA");
        assert_eq!(config["base_model_name_or_path"], "Qwen/Tiny");
        assert_eq!(
            (config["r"].as_u64(), config["lora_alpha"].as_f64()),
            (Some(4), Some(8.0))
        );
        assert_eq!(
            config["rank_pattern"],
            serde_json::json!({"model.layers.1.mlp.down_proj": 2})
        );
        assert_eq!(
            config["target_modules"],
            serde_json::json!([
                "down_proj",
                "gate_proj",
                "k_proj",
                "o_proj",
                "q_proj",
                "up_proj",
                "v_proj"
            ])
        );
        let st = safetensors::SafeTensors::deserialize(&files.weights).unwrap();
        assert_eq!(st.len(), 2 * 14);
        for name in [
            "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
            "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight",
        ] {
            assert!(st.tensor(name).is_ok(), "{name}");
        }
        let values = |name: &str| -> (Vec<usize>, Vec<f32>) {
            let t = st.tensor(name).unwrap();
            assert_eq!(t.dtype(), safetensors::Dtype::F32);
            let v = t
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect();
            (t.shape().to_vec(), v)
        };
        for ((layer, p), pair) in adapter.pairs() {
            let module = p.hf_module();
            let name = |half: &str| format!("base_model.model.model.layers.{layer}.{module}.lora_{half}.weight");
            let (a_shape, a) = values(&name("A"));
            let (b_shape, b) = values(&name("B"));
            assert_eq!(a_shape, [pair.rank(), pair.inputs()]);
            assert_eq!(b_shape, [pair.outputs(), pair.rank()]);
            assert_eq!(a, pair.a());
            let rows_as_hf = |heads: usize| {
                // llama.cpp interleaves each head's rotary pairs; Hugging Face keeps them in halves.
                let (hd, r) = (c.head_dim, pair.rank());
                let mut want = vec![0f32; b.len()];
                for h in 0..heads {
                    for i in 0..hd / 2 {
                        for j in 0..2 {
                            let (from, to) = (h * hd + 2 * i + j, h * hd + j * hd / 2 + i);
                            want[to * r..(to + 1) * r].copy_from_slice(&pair.b()[from * r..(from + 1) * r]);
                        }
                    }
                }
                want
            };
            let want = match (arch, p) {
                (Arch::Llama, Projection::AttnQ) => rows_as_hf(c.n_head),
                (Arch::Llama, Projection::AttnK) => rows_as_hf(c.n_kv_head),
                _ => pair.b(),
            };
            assert_eq!(b, want, "{arch:?} {module} of layer {layer}");
        }
    }
}
