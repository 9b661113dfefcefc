"""What the benchmarks that call `pawc serve` share: a function's inputs, starting the server, posting a call,
comparing two answers."""
import json
import os
import subprocess
import urllib.request


def function_args(suite, fn):
    """The argument lists of fuzzy fn FN's rows in SUITE: its cases (cases.jsonl), then its training rows
    (train.jsonl, when there is one)."""
    rows = []
    for name in ("cases.jsonl", "train.jsonl"):
        path = os.path.join(suite, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                rows += [r["args"] for r in map(json.loads, f) if r.get("fn") == fn]
    return rows


def start(pawc, suite, workers):
    """Starts `pawc serve SUITE` on a free port with WORKERS workers; returns the process and its port."""
    server = subprocess.Popen([pawc, "serve", suite, "--port", "0", "--workers", str(workers)],
                              stderr=subprocess.PIPE, text=True)
    for line in server.stderr:
        if "http://" in line:
            return server, int(line.split("http://")[1].split("/")[0].split(":")[1].strip())
    server.wait()
    raise RuntimeError(f"pawc serve exited ({server.returncode}) before it listened")


def post(port, fn, args, timeout):
    """One call of fuzzy fn FN with ARGS; its JSON answer."""
    body = json.dumps({"args": args}).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/functions/{fn}", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.load(resp)


def same(a, b):
    """Two answers agree: the same value and the same confidence."""
    return a["value"] == b["value"] and abs(a["confidence"] - b["confidence"]) < 1e-9
