"""What the benchmarks that call `pawc serve` share: starting it, posting a call, comparing two answers."""
import json
import subprocess
import urllib.request


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
