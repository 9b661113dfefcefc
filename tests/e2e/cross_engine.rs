//! Plain llama.cpp against paw on one exported program (issue 17's promise for `.paw` bundles). A program for the
//! real interpreter with a LoRA adapter strong enough to change its answers is imported, answered (`pawc map`)
//! and exported (`pawc export`); then llama-cpp-python, from the venv of `tests/support/llama-server-venv.sh`,
//! loads the same Q8_0 file paw runs with the bundle's `adapter.gguf`, puts each input in its
//! `prompt_template.txt` (tokenized as `docs/formats.md` says) and decodes greedily
//! (`tests/support/llama_cpp_bundle.py`). Its answers must be paw's, and its next-token log-probabilities paw's
//! within the two engines' arithmetic, while without the adapter they are not.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use paw_artifact::{Bundle, INPUT_PLACEHOLDER};
use paw_model::testing::random_adapter;
use paw_model::{log_sum_exp, Adapter, KvState, Model, StoredAs};
use serde_json::{json, Value};

use crate::fuzzy::{one_model_test_at_a_time, pawc_with_home, scratch_home};
use crate::remote::{interpreter_file, llama_cpp_python};
use crate::{assert_exit, repo, stdout};

const SOURCE: &str = r#"/// The city a travel request is about.
fuzzy fn city(request: str) -> str

/// The same program without its adapter.
fuzzy fn city_plain(request: str) -> str

fn main() {}
"#;

const MANIFEST: &str = r#"[package]
name = "travel"
version = "0.1.0"

[functions.city]
program = "vendor/city.paw"

[functions.city_plain]
program = "vendor/plain.paw"
"#;

/// PAW's framing in the interpreter's complete ChatML prompt.
fn template() -> String {
    format!(
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n\
         <|im_start|>user\nName the city this travel request is about, and nothing else.\n\n[INPUT]\n\
         {INPUT_PLACEHOLDER}\n[END_INPUT]<|im_end|>\n<|im_start|>assistant\n"
    )
}

/// The third ends in `?`, which a tokenizer given the whole filled template would join with the newline after it.
const INPUTS: [&str; 4] = [
    "Find me a hotel in Lisbon for next week",
    "Two tickets to the opera in Vienna, please",
    "Is there a direct train from the airport to the centre of Kyoto?",
    "Book a table for four near the harbour in Sydney on Friday",
];

/// The tokens paw runs for `input` with a bundle's template: its markup around the input as plain text.
fn paw_tokens(model: &Model, template: &str, input: &str) -> Vec<u32> {
    let (before, after) = template.split_once(INPUT_PLACEHOLDER).unwrap();
    let t = &model.tokenizer;
    [t.encode_markup(before), t.encode_plain(input), t.encode_markup(after)]
        .into_iter()
        .flat_map(Result::unwrap)
        .collect()
}

/// paw's next-token log-probabilities after `tokens`, with `adapter` or the base model alone.
fn paw_next(model: &Model, adapter: Option<&Arc<Adapter>>, tokens: &[u32]) -> Vec<f64> {
    let mut state = adapter.map_or_else(KvState::new, |a| KvState::with_adapter(a.clone()));
    let logits: Vec<f64> = model
        .next_logits(&mut state, tokens)
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect();
    let lse = log_sum_exp(logits.iter().copied());
    logits.into_iter().map(|x| x - lse).collect()
}

/// What llama.cpp makes of `template` with each input and `adapter` (or the base model alone), with the
/// log-probabilities of `ids` (per input) as the answer's first token: see `llama_cpp_bundle.py`.
fn llama_cpp(python: &Path, model: &Path, adapter: Option<&Path>, template: &str, ids: &[Vec<usize>]) -> Value {
    let request = json!({
        "model": model,
        "adapter": adapter,
        "template": template,
        "inputs": INPUTS,
        "ids": ids,
        "max_tokens": 64,
    });
    let mut child = Command::new(python)
        .arg(repo().join("tests/support/llama_cpp_bundle.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "llama_cpp_bundle.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The `n` likeliest tokens of a distribution, likeliest first.
fn top(logprobs: &[f64], n: usize) -> Vec<usize> {
    let mut ids: Vec<usize> = (0..logprobs.len()).collect();
    ids.sort_by(|&a, &b| logprobs[b].total_cmp(&logprobs[a]));
    ids.truncate(n);
    ids
}

/// The largest difference between paw's log-probabilities `paw` at `ids` and llama.cpp's `llama` there.
fn farthest(paw: &[f64], ids: &[usize], llama: &Value) -> f64 {
    let llama: Vec<f64> = serde_json::from_value(llama.clone()).unwrap();
    ids.iter()
        .zip(llama)
        .map(|(&id, lp)| (paw[id] - lp).abs())
        .fold(0.0, f64::max)
}

#[test]
fn llama_cpp_runs_an_exported_bundle_with_paws_answers_and_log_probabilities() {
    let _models = one_model_test_at_a_time();
    let home = scratch_home();
    let tmp = tempfile::tempdir().unwrap();
    let base = interpreter_file(home.path());
    let python = llama_cpp_python();
    let model = Model::load(&base).unwrap();
    // Strong enough to change every answer (the plain model names the city; with it the model answers in a
    // sentence), weak enough to keep them sentences: a bug that drops or weakens the adapter shows.
    let adapter = random_adapter(&model.config, 4, 0.1, 17).unwrap();

    let dir = tmp.path().join("travel");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("vendor")).unwrap();
    std::fs::write(dir.join("src/main.pw"), SOURCE).unwrap();
    std::fs::write(dir.join("paw.toml"), MANIFEST).unwrap();
    for (name, adapter) in [("city", Some(&adapter)), ("plain", None)] {
        let bundle = Bundle {
            meta: json!({"program_id": name, "interpreter": "Qwen/Qwen2.5-Coder-0.5B-Instruct"}),
            prompt_template: template(),
            pseudo_program: None,
            adapter: adapter.map(|a| a.to_bytes(StoredAs::F16).unwrap()),
        };
        std::fs::write(dir.join(format!("vendor/{name}.paw")), bundle.to_zip()).unwrap();
    }
    let pawc = |args: &[&str]| {
        let out = pawc_with_home(home.path(), &dir, args);
        assert_exit(&out, 0);
        stdout(&out)
    };
    pawc(&["build"]);
    std::fs::write(dir.join("inputs.txt"), INPUTS.join("\n")).unwrap();
    let answers = |function: &str| -> Vec<String> {
        pawc(&["map", function, "inputs.txt"])
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["value"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let (paw_adapted, paw_plain) = (answers("city"), answers("city_plain"));

    pawc(&["export", "city", "--out", "city.paw"]);
    let exported = Bundle::from_zip(&std::fs::read(dir.join("city.paw")).unwrap()).unwrap();
    let adapter_file = tmp.path().join("adapter.gguf");
    std::fs::write(&adapter_file, exported.adapter.as_ref().unwrap()).unwrap();
    let template = &exported.prompt_template;
    let exported_adapter = Arc::new(Adapter::from_bytes(exported.adapter.as_ref().unwrap()).unwrap());
    let tokens: Vec<Vec<u32>> = INPUTS.iter().map(|i| paw_tokens(&model, template, i)).collect();
    // paw's first-token log-probabilities with and without the adapter, compared on the likeliest tokens of
    // either.
    let paw: Vec<[Vec<f64>; 2]> = tokens
        .iter()
        .map(|t| [paw_next(&model, Some(&exported_adapter), t), paw_next(&model, None, t)])
        .collect();
    let ids: Vec<Vec<usize>> = paw
        .iter()
        .map(|[with, without]| {
            let mut ids = [top(with, 10), top(without, 10)].concat();
            ids.sort_unstable();
            ids.dedup();
            ids
        })
        .collect();
    let adapted = llama_cpp(&python, &base, Some(&adapter_file), template, &ids);
    let plain = llama_cpp(&python, &base, None, template, &ids);

    eprintln!(
        "paw with the adapter:        {paw_adapted:?}\nllama.cpp with the adapter:  {}",
        adapted["answers"]
    );
    eprintln!(
        "paw without the adapter:     {paw_plain:?}\nllama.cpp without:           {}",
        plain["answers"]
    );
    assert_eq!(
        adapted["tokens"],
        json!(tokens),
        "llama.cpp tokenizes the prompts as paw does"
    );
    // The headline: greedy answers of several tokens, the same to the byte.
    assert_eq!(
        adapted["answers"],
        json!(paw_adapted),
        "llama.cpp's answers with the adapter"
    );
    assert_eq!(
        plain["answers"],
        json!(paw_plain),
        "llama.cpp's answers without the adapter"
    );
    for (answer, plain) in paw_adapted.iter().zip(&paw_plain) {
        assert_ne!(answer, plain, "the adapter changes every answer");
    }

    for (i, ([with, without], ids)) in paw.iter().zip(&ids).enumerate() {
        let same = farthest(with, ids, &adapted["logprobs"][i]);
        let base_engines = farthest(without, ids, &plain["logprobs"][i]);
        let unadapted = farthest(with, ids, &plain["logprobs"][i]);
        eprintln!(
            "input {i}: |paw - llama.cpp| at most {same:.3} with the adapter, {base_engines:.3} without; \
             {unadapted:.3} between paw with it and llama.cpp without"
        );
        assert_eq!(adapted["argmax"][i], json!(top(with, 1)[0]));
        assert_eq!(plain["argmax"][i], json!(top(without, 1)[0]));
        // The two engines' arithmetic differs (each quantizes activations and sums in its own order): measured
        // at most 0.3 nats on these tokens without an adapter and 0.22 with it, so the adapter adds no
        // disagreement of its own. Its effect is 7 to 9 nats (and a wrong scale, alpha or transposed pair
        // would miss by a good part of that), so 0.5 leaves room for other CPUs' kernels and still tells.
        assert!(
            same < 0.5 && base_engines < 0.5,
            "input {i}: {same} with the adapter, {base_engines} without"
        );
        assert!(
            unadapted > 3.0,
            "input {i}: the adapter's effect in paw is only {unadapted}"
        );
    }
}
