"""What plain llama.cpp (llama-cpp-python) makes of a `.paw` bundle's prompt and adapter: the cross-engine test
(tests/e2e/cross_engine.rs) compares it with paw's own answers and log-probabilities. Run with the python of
tests/support/llama-server-venv.sh.

Reads one JSON request on stdin:
  model       the base GGUF file
  adapter     the bundle's adapter.gguf, or null for the base model alone
  template    the bundle's prompt_template.txt
  inputs      texts put in place of {INPUT_PLACEHOLDER}, each answered greedily up to max_tokens
  ids         per input, the tokens whose log-probabilities as the answer's first token are asked
Writes one JSON object on stdout, with one entry per input in each list: `tokens` (the prompt's token ids),
`answers` (the greedy texts, read as paw reads a `str` answer: trimmed, unquoted when one whole JSON string), `argmax` (the likeliest first token) and
`logprobs` (the first token's log-probabilities of `ids`).

The prompt is tokenized as paw does it: the template's text around the placeholder with control tokens
(`special=True`), the input as plain text (`special=False`), so a control-token string inside an input stays
text, and the input's first and last characters never merge with the template's text into one token.
"""

import json
import os
import sys

import llama_cpp
import numpy as np



def str_answer(text):
    """A `str` answer as paw reads it: trimmed, and unquoted when it is one whole JSON string."""
    text = text.strip()
    if text.startswith('"'):
        try:
            value = json.loads(text)
            if isinstance(value, str):
                return value
        except ValueError:
            pass
    return text

def logits(llm):
    """The logits after the last token evaluated."""
    return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))


def main():
    request = json.load(sys.stdin)
    llm = llama_cpp.Llama(
        model_path=request["model"],
        lora_path=request["adapter"],
        n_ctx=2048,
        n_threads=os.cpu_count(),
        verbose=False,
    )
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    tokenize = lambda text, special: llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)
    before, after = [tokenize(text, True) for text in request["template"].split("{INPUT_PLACEHOLDER}")]
    out = {"tokens": [], "answers": [], "argmax": [], "logprobs": []}
    for text, ids in zip(request["inputs"], request["ids"]):
        tokens = before + tokenize(text, False) + after
        llm.reset()
        llm.eval(tokens)
        first = logits(llm).astype(np.float64)
        first -= first.max()
        first -= np.log(np.exp(first).sum())
        # The bundle's recipe: the likeliest token at every step, up to end-of-turn.
        answer = []
        for _ in range(request["max_tokens"]):
            token = int(np.argmax(logits(llm)))
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                break
            answer.append(token)
            llm.eval([token])
        out["tokens"].append(tokens)
        out["answers"].append(str_answer(llm.detokenize(answer).decode("utf-8", errors="replace")))
        out["argmax"].append(int(np.argmax(first)))
        out["logprobs"].append(first[ids].tolist())
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
