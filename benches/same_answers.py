#!/usr/bin/env python3
"""Concurrent calls on the real model answer exactly as `pawc eval` does (BENCHMARKS.md, "Same answers").

    same_answers.py PAWC SUITE_DIR [--clients 8] [--workers 4] [--per-function N]

Builds nothing: SUITE_DIR must be built. Answers a sample of the suite's cases three ways and compares every
answer (value and confidence) with `pawc eval --json`, which answers a function's consecutive cases 16 at a time,
side by side, in one process (since commit ac144a5; before it, one after another; `throughput.py` compares with calls
that are each alone):
- `pawc serve --workers W` with C client threads posting the cases at once, so that W calls share one model;
- `pawc map`, one function at a time over a JSONL file of the cases' arguments.
Prints one line per way with the number of cases, the mismatches and the wall time; exits 1 on any mismatch.
"""
import argparse
import concurrent.futures
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import served


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pawc")
    ap.add_argument("suite")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--per-function", type=int, default=0, help="0: every case")
    opts = ap.parse_args()
    cases = [json.loads(line) for line in open(os.path.join(opts.suite, "cases.jsonl"), encoding="utf-8")]
    if opts.per_function:
        rng = random.Random(7)
        by_fn = {}
        for c in cases:
            by_fn.setdefault(c["fn"], []).append(c)
        cases = [c for fn in sorted(by_fn) for c in rng.sample(by_fn[fn], min(opts.per_function, len(by_fn[fn])))]
    scratch = tempfile.mkdtemp()
    cases_path = os.path.join(scratch, "cases.jsonl")
    with open(cases_path, "w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {len(cases)} cases, load {os.getloadavg()[0]:.1f}")

    start = time.time()
    evaluated = json.loads(subprocess.run([opts.pawc, "eval", opts.suite, "--cases", cases_path, "--json"],
                                          check=True, capture_output=True, text=True).stdout)["cases"]
    print(f"eval: {len(evaluated)} cases in {time.time() - start:.1f} s")
    reference = [{"value": c["got"], "confidence": c["confidence"]} for c in evaluated]
    mismatches = 0

    server, port = served.start(opts.pawc, opts.suite, opts.workers)
    try:
        start = time.time()
        with concurrent.futures.ThreadPoolExecutor(opts.clients) as pool:
            answered = list(pool.map(lambda c: served.post(port, c["fn"], c["args"], 600), cases))
        wrong = [i for i, (a, b) in enumerate(zip(answered, reference)) if not served.same(a, b)]
        mismatches += len(wrong)
        print(f"serve ({opts.clients} clients, {opts.workers} workers): {len(answered)} cases in "
              f"{time.time() - start:.1f} s, {len(wrong)} differ from eval")
        for i in wrong[:10]:
            print(f"  differs: {cases[i]['fn']} {json.dumps(cases[i]['args'])[:80]}: served {answered[i]}, eval {reference[i]}")
    finally:
        server.terminate()
        server.wait()

    start = time.time()
    mapped = [None] * len(cases)
    for fn in sorted({c["fn"] for c in cases}):
        rows = [i for i, c in enumerate(cases) if c["fn"] == fn]
        rows_path = os.path.join(scratch, f"{fn}.jsonl")
        with open(rows_path, "w", encoding="utf-8") as f:
            for i in rows:
                f.write(json.dumps({"args": cases[i]["args"]}, ensure_ascii=False) + "\n")
        out = subprocess.run([opts.pawc, "map", fn, rows_path, "--project", opts.suite],
                             check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            result = json.loads(line)
            mapped[rows[result["line"] - 1]] = result
    wrong = [i for i, (a, b) in enumerate(zip(mapped, reference)) if a is None or not served.same(a, b)]
    mismatches += len(wrong)
    print(f"map: {len(cases)} cases in {time.time() - start:.1f} s, {len(wrong)} differ from eval")
    for i in wrong[:10]:
        print(f"  differs: {cases[i]['fn']} {json.dumps(cases[i]['args'])[:80]}: mapped {mapped[i]}, eval {reference[i]}")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
