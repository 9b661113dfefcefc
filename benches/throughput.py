#!/usr/bin/env python3
"""Calls per second of one built fuzzy fn, answered four ways on the real model (BENCHMARKS.md, "Throughput"):

    throughput.py PAWC SUITE_DIR --fn NAME [--n 200] [--clients 8]

- `pawc serve` (one worker) with one client posting one call after another: sequential calls;
- the same server with C clients posting at once: the worker runs every queued call of the function side by
  side (batches; their sizes are read from /metrics);
- `pawc map` over a text file of the inputs (one per line; the function takes one `str`);
- a `.pw` program whose `for` loop calls the function on every line (`pawc run`).
SUITE_DIR must be built. The inputs are the function's cases in cases.jsonl, then its rows in train.jsonl, without
line breaks, the first N. Every way's answers are compared with the sequential calls' (value and confidence; the
`.pw` loop prints values only, so only its values are compared); prints calls/s per way (map and the loop include
loading the model, as a user's run does) and the ratios the issue asks for; exits 1 if any answer differs.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import served


def batch_counts(port):
    """The server's paw_batch_calls sum and count so far."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as resp:
        metrics = resp.read().decode()
    got = {line.split()[0]: float(line.split()[1]) for line in metrics.splitlines()
           if line.startswith(("paw_batch_calls_sum", "paw_batch_calls_count"))}
    return got.get("paw_batch_calls_sum", 0.0), got.get("paw_batch_calls_count", 0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pawc")
    ap.add_argument("suite")
    ap.add_argument("--fn", required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--clients", type=int, default=8)
    opts = ap.parse_args()
    one_line = lambda text: text and "\n" not in text and "\r" not in text and text.strip() == text
    inputs = [args[0] for args in served.function_args(opts.suite, opts.fn) if one_line(args[0])][: opts.n]
    scratch = tempfile.mkdtemp()
    print(f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {opts.fn}: {len(inputs)} inputs, "
          f"{opts.clients} clients, load {os.getloadavg()[0]:.1f}, pawc {opts.pawc}", flush=True)
    rates, mismatches = {}, 0

    def report(way, answers, seconds, reference):
        nonlocal mismatches
        wrong = [i for i, (a, b) in enumerate(zip(answers, reference)) if a is None or not served.same(a, b)]
        mismatches += len(wrong)
        rates[way] = len(inputs) / seconds
        print(f"{way:24s} {len(inputs)} calls in {seconds:7.1f} s = {rates[way]:6.2f} calls/s, "
              f"{len(wrong)} differ from sequential, load {os.getloadavg()[0]:.1f}", flush=True)
        for i in wrong[:5]:
            print(f"  differs: {json.dumps(inputs[i])[:80]}: {answers[i]} vs {reference[i]}")

    server, port = served.start(opts.pawc, opts.suite, 1)
    try:
        served.post(port, opts.fn, [inputs[0]], 3600)  # the program is loaded on its first call
        start = time.time()
        sequential = [served.post(port, opts.fn, [text], 3600) for text in inputs]
        report("serve, 1 client", sequential, time.time() - start, sequential)
        batches_before = batch_counts(port)
        start = time.time()
        with concurrent.futures.ThreadPoolExecutor(opts.clients) as pool:
            concurrent_answers = list(pool.map(lambda text: served.post(port, opts.fn, [text], 3600), inputs))
        report(f"serve, {opts.clients} clients", concurrent_answers, time.time() - start, sequential)
        batches = [after - before for after, before in zip(batch_counts(port), batches_before)]
        if batches[1]:
            print(f"  batches: {batches[1]:.0f} for {batches[0]:.0f} calls (mean {batches[0] / batches[1]:.2f} calls per batch)")
    finally:
        server.terminate()
        server.wait()

    lines_path = os.path.join(scratch, "inputs.txt")
    with open(lines_path, "w", encoding="utf-8") as f:
        f.write("".join(text + "\n" for text in inputs))
    start = time.time()
    out = subprocess.run([opts.pawc, "map", opts.fn, lines_path, "--project", opts.suite],
                         check=True, capture_output=True, text=True).stdout
    mapped = [None] * len(inputs)
    for line in out.splitlines():
        result = json.loads(line)
        mapped[result["line"] - 1] = result
    report("map", mapped, time.time() - start, sequential)

    project = os.path.join(scratch, "loop")
    shutil.copytree(opts.suite, project, ignore=shutil.ignore_patterns("cases.jsonl", "train.jsonl"))
    main_pw = os.path.join(project, "src", "main.pw")
    source = open(main_pw, encoding="utf-8").read()
    with open(main_pw, "w", encoding="utf-8") as f:
        f.write(f'use std.io\n{source}\nfn main() {{\n    for line in io.read_lines("{lines_path}") {{\n'
                f'        print({opts.fn}(line))\n    }}\n}}\n')
    start = time.time()
    out = subprocess.run([opts.pawc, "run", project], check=True, capture_output=True, text=True).stdout
    printed = out.splitlines()
    looped = [{"value": json.loads(v) if v in ("true", "false") else v, "confidence": a["confidence"]}
              if a is not None else None
              for v, a in zip(printed, sequential)]
    report("for loop in .pw", looped + [None] * (len(inputs) - len(looped)), time.time() - start, sequential)

    if f"serve, {opts.clients} clients" in rates:
        print(f"serve {opts.clients} clients / 1 client: {rates[f'serve, {opts.clients} clients'] / rates['serve, 1 client']:.2f}x")
    print(f"map / for loop: {rates['map'] / rates['for loop in .pw']:.2f}x")
    shutil.rmtree(scratch)
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
