#!/usr/bin/env python3
"""The PAW-style reference loop for fuzzy calls on llama.cpp (llama-cpp-python): the compiled program's
prompt prefix is evaluated once and its state cached; each call restores that state, evaluates the input
and the end of the user turn, decodes greedily until the end of the turn and parses the text against the
return type's labels. Same prompt text, ChatML framing and thread count as paw's artifact.

  fuzzy_calls_llama_cpp.py MODEL.gguf ARTIFACT_DIR CASES.jsonl --function NAME [--threads 2]

Prints one JSON object: calls, seconds (calls only, model load and prefix excluded), calls_per_second,
accuracy of the parsed answers."""
import argparse, json, time

import llama_cpp
import numpy as np
from llama_cpp import Llama

PLACEHOLDER = "{INPUT_PLACEHOLDER}"
# What paw's tokenizer puts before a Qwen2 user turn (paw_model::Tokenizer::default_system).
SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


def render(value):
    """A call's single argument as paw renders it: strings raw, everything else as compact JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def last_logits(llm):
    """The logits after the last evaluated token, read from the context (llm.scores is not refreshed for the
    last row after load_state unless logits_all, which would compute logits for every prompt token)."""
    return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("artifact")
    ap.add_argument("cases")
    ap.add_argument("--function", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=16)
    a = ap.parse_args()

    template = open(f"{a.artifact}/prompt_template.txt", encoding="utf-8").read()
    meta = json.load(open(f"{a.artifact}/meta.json", encoding="utf-8"))
    ret = meta["spec"]["ret"]
    labels = ["true", "false"] if ret["kind"] == "bool" else [v["name"] for v in ret["variants"]]
    before, after = template.split(PLACEHOLDER)
    cases = [json.loads(l) for l in open(a.cases, encoding="utf-8") if json.loads(l)["fn"] == a.function]

    llm = Llama(model_path=a.model, n_threads=a.threads, n_threads_batch=a.threads, n_ctx=4096,
                n_batch=512, n_ubatch=512, verbose=False)
    end_of_turn = llm.tokenize(b"<|im_end|>", add_bos=False, special=True)[0]
    prefix = llm.tokenize(f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{before}".encode(),
                          add_bos=False, special=True)
    llm.eval(prefix)
    state = llm.save_state()

    correct = 0
    started = time.perf_counter()
    for case in cases:
        llm.load_state(state)
        # The input is plain text (special=False), the turn markers are special tokens, as in paw.
        tokens = llm.tokenize((render(case["args"][0]) + after).encode(), add_bos=False, special=False)
        tokens += llm.tokenize(b"<|im_end|>\n<|im_start|>assistant\n", add_bos=False, special=True)
        llm.eval(tokens)
        out = []
        for _ in range(a.max_tokens):
            nxt = int(np.argmax(last_logits(llm)))
            if nxt == end_of_turn:
                break
            out.append(nxt)
            llm.eval([nxt])
        text = llm.detokenize(out).decode("utf-8", "replace").strip()
        word = text.split()[0].strip(".,:;!\"'`").lower() if text.split() else ""
        answer = next((l for l in labels if l.lower() == word), None)
        expected = case["expected"]
        if answer is not None and (answer == expected or (ret["kind"] == "bool" and answer == str(expected).lower())):
            correct += 1
    seconds = time.perf_counter() - started
    print(json.dumps({
        "engine": "llama.cpp (llama-cpp-python), PAW-style loop",
        "function": a.function,
        "calls": len(cases),
        "seconds": seconds,
        "calls_per_second": len(cases) / seconds,
        "accuracy": correct / len(cases),
        "prefix_tokens": len(prefix),
    }))


if __name__ == "__main__":
    main()
