#!/usr/bin/env python3
"""Summarize model_bench.sh output: median and best per engine/file, and paw/llama.cpp ratios."""
import json, statistics, sys

rows = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    engine = r.get("engine") or (f"paw ({r['kernels']})" if "kernels" in r else "paw")
    key = (engine, r["model"].rsplit("/", 1)[-1])
    rows.setdefault(key, []).append(r)
summary = {}
for key, rs in rows.items():
    pp = [r["prompt_tokens_per_second"] for r in rs]
    dec = [r["decode_tokens_per_second"] for r in rs]
    rss = max(r["peak_rss_bytes"] or 0 for r in rs)
    summary[key] = (statistics.median(pp), max(pp), statistics.median(dec), max(dec), rss, len(rs))
print("| engine | file | runs | prompt tok/s median (best) | decode tok/s median (best) | peak RSS |")
print("|---|---|---|---|---|---|")
for (eng, f), (ppm, ppb, dm, db, rss, n) in summary.items():
    print(f"| {eng} | {f} | {n} | {ppm:.1f} ({ppb:.1f}) | {dm:.2f} ({db:.2f}) | {rss / 2**20:.0f} MiB |")
ref = summary.get(("llama.cpp (llama-cpp-python)", "model.gguf"))
if ref:
    print()
    for (eng, _), paw in summary.items():
        if eng.startswith("paw"):
            print(f"{eng} / llama.cpp (shipped file), medians: prompt {paw[0] / ref[0]:.2f}x, decode {paw[2] / ref[2]:.2f}x; "
                  f"best: prompt {paw[1] / ref[1]:.2f}x, decode {paw[3] / ref[3]:.2f}x")
