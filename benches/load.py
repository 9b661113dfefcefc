#!/usr/bin/env python3
"""Load test of `pawc serve` (issue 18, BENCHMARKS.md "Load"):

    load.py PAWC SUITE_DIR --fn NAME [--requests 10000] [--clients 32] [--malformed 0.01]

Starts `pawc serve SUITE_DIR` (one worker, the default queue) and has C client threads post N requests between
them to fuzzy fn NAME (one `str` parameter): the inputs are the function's cases in cases.jsonl and then its rows
in train.jsonl, in turn; one request in 1/MALFORMED (spread evenly) is malformed instead, in turn each of: a body
that is not JSON, `args` missing, one argument too many, an argument of the wrong type. While it runs, the
server's resident memory is read from /proc every half second.

Checks, and exits 1 if any fails: every malformed request is answered 400 with an error code, every other one 200
with a value; the same input always gets the same answer (value and confidence), whichever batch it ran in; the
server is still alive and healthy at the end, and exits 0 on SIGTERM. Prints the status counts, calls/s, latency
percentiles, and resident memory: peak, and the mean over the first and the last tenth of the run (flat memory:
the two agree).
"""
import argparse
import concurrent.futures
import json
import signal
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request

import served

MALFORMED = [
    ("not json", b'{"args": ["unterminated'),
    ("args missing", b'{"arguments": ["hello"]}'),
    ("too many arguments", b'{"args": ["hello", "again"]}'),
    ("wrong type", b'{"args": [42]}'),
]


def send(port, fn, body, timeout):
    """POSTs BODY; returns (status, parsed JSON answer, seconds)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/functions/{fn}", data=body,
                                 headers={"content-type": "application/json"})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, text = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    return status, json.loads(text), time.monotonic() - start


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pawc")
    ap.add_argument("suite")
    ap.add_argument("--fn", required=True)
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--malformed", type=float, default=0.01)
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()

    rows = served.function_args(a.suite, a.fn)
    if not rows:
        sys.exit(f"no inputs of {a.fn} in {a.suite}")
    every = round(1 / a.malformed) if a.malformed > 0 else 0
    plan = []  # (kind, body, input index or None)
    for i in range(a.requests):
        if every and i % every == every // 2:
            kind, body = MALFORMED[(i // every) % len(MALFORMED)]
            plan.append((kind, body, None))
        else:
            k = i % len(rows)
            plan.append(("call", json.dumps({"args": rows[k]}).encode(), k))

    server, port = served.start(a.pawc, a.suite, 1)
    threading.Thread(target=server.stderr.read, daemon=True).start()  # a full pipe would stall the server
    print(f"# {time.strftime('%FT%TZ', time.gmtime())} load.py {a.fn}: {a.requests} requests, {a.clients} clients, "
          f"{sum(1 for p in plan if p[2] is None)} malformed; {len(rows)} distinct inputs; server pid {server.pid}",
          flush=True)
    samples = []  # (requests done, RSS KiB)
    done = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            samples.append((done[0], rss_kib(server.pid, "VmRSS")))
            stop.wait(0.5)

    watcher = threading.Thread(target=watch)
    watcher.start()
    results = [None] * len(plan)
    cursor = iter(range(len(plan)))

    def client():
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            try:
                results[i] = send(port, a.fn, plan[i][1], a.timeout)
            except Exception as e:  # a refused or broken connection is a failure, counted below
                results[i] = (None, {"error": {"code": "client", "message": repr(e)}}, 0.0)
            with lock:
                done[0] += 1
                if done[0] % 1000 == 0:
                    print(f"  {done[0]} done, RSS {rss_kib(server.pid, 'VmRSS') / 1024:.0f} MiB", flush=True)

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(a.clients) as pool:
        for _ in range(a.clients):
            pool.submit(client)
    elapsed = time.monotonic() - start
    stop.set()
    watcher.join()

    failures = []
    statuses = {}
    answers = {}
    latencies = []
    for (kind, _, k), (status, body, seconds) in zip(plan, results):
        statuses[(kind, status)] = statuses.get((kind, status), 0) + 1
        if kind == "call":
            latencies.append(seconds)
            if status != 200 or "value" not in body:
                failures.append(f"a call got {status}: {body}")
                continue
            got = (json.dumps(body["value"], sort_keys=True), body["confidence"])
            first = answers.setdefault(k, got)
            if first[0] != got[0] or abs(first[1] - got[1]) > 1e-9:
                failures.append(f"input {k} answered {first} once and {got} another time")
        elif status != 400 or not body.get("error", {}).get("code"):
            failures.append(f"malformed ({kind}) got {status}: {body}")
    healthy = send_get(port, "/healthz")
    if healthy != 200:
        failures.append(f"/healthz answered {healthy} after the run")
    peak = rss_kib(server.pid, "VmHWM")
    server.send_signal(signal.SIGTERM)
    code = server.wait(timeout=60)
    if code != 0:
        failures.append(f"pawc serve exited {code} on SIGTERM")

    print("status counts:")
    for (kind, status), n in sorted(statuses.items(), key=lambda x: (x[0][0], str(x[0][1]))):
        print(f"  {kind:20} {status}: {n}")
    latencies.sort()
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(f"{len(plan)} requests in {elapsed:.1f} s: {len(plan) / elapsed:.2f} requests/s; call latency "
          f"median {statistics.median(latencies):.2f} s, p90 {pct(0.9):.2f} s, p99 {pct(0.99):.2f} s, "
          f"max {latencies[-1]:.2f} s")
    tenth = max(1, a.requests // 10)
    first = [r for n, r in samples if 0 < n <= tenth]
    last = [r for n, r in samples if n >= a.requests - tenth]
    mean = lambda xs: sum(xs) / len(xs) / 1024 if xs else float("nan")
    print(f"resident memory: peak {peak / 1024:.0f} MiB; mean over the first tenth {mean(first):.0f} MiB, "
          f"over the last tenth {mean(last):.0f} MiB ({len(samples)} samples)")
    print(f"{len(answers)} distinct inputs answered, each always the same: "
          f"{'yes' if not any('answered' in f for f in failures) else 'no'}")
    for f in failures[:20]:
        print("FAIL:", f)
    print("ok" if not failures else f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


def send_get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
            return resp.status
    except Exception:
        return None


if __name__ == "__main__":
    main()
