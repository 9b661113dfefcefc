#!/usr/bin/env python3
"""Reference speed of llama.cpp (through llama-cpp-python) on a GGUF file, measured the same way as
`pawc bench model`: one batched prompt of N tokens, then M greedy decode steps; 2 threads by default.
Run it with the venv made by benches/setup_llama_cpp.sh. Prints one JSON object."""
import argparse, json, resource, time

from llama_cpp import Llama

# Same text as paw_model::bench::BENCH_TEXT.
BENCH_TEXT = ("The quick brown fox jumps over the lazy dog. Fuzzy functions are typed functions whose "
              "body is a short natural-language description with a few examples; a small local model answers each call, and the "
              "runtime constrains its output to the declared return type. ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=256)
    ap.add_argument("--decode-tokens", type=int, default=64)
    a = ap.parse_args()
    t0 = time.perf_counter()
    llm = Llama(model_path=a.model, n_threads=a.threads, n_threads_batch=a.threads, n_ctx=2048,
                n_batch=512, n_ubatch=512, logits_all=False, verbose=False)
    load = time.perf_counter() - t0
    text = llm.tokenize(BENCH_TEXT.encode(), add_bos=False, special=False)
    prompt = (text * (a.prompt_tokens // len(text) + 1))[: a.prompt_tokens]
    llm.eval(prompt[:8])  # warm-up
    llm.reset()
    t = time.perf_counter()
    llm.eval(prompt)
    pp = time.perf_counter() - t
    import numpy as np
    nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
    t = time.perf_counter()
    for _ in range(a.decode_tokens):
        llm.eval([nxt])
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
    dec = time.perf_counter() - t
    print(json.dumps({
        "engine": "llama.cpp (llama-cpp-python)",
        "model": a.model,
        "threads": a.threads,
        "load_seconds": load,
        "prompt_tokens": len(prompt),
        "prompt_tokens_per_second": len(prompt) / pp,
        "decode_tokens": a.decode_tokens,
        "decode_tokens_per_second": a.decode_tokens / dec,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
