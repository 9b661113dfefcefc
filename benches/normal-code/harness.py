"""Times `pawc run X.pw` against `python3 X.py` for each benchmark program; prints a markdown table.

Usage: harness.py PAWC PROGRAM_DIR TEXT_FILE RUNS

Each program's two versions must print the same output (their checksums), so both do the same work. The runs
alternate paw, python, paw, python... so that changing load on the machine hits both alike. Wall time is the
elapsed time of the whole process; CPU is its user + system time (from wait4), which other load on the machine
disturbs less. `pawc run` includes reading, parsing and checking the program, as users experience it; the
`check` column is `pawc check X.pw` alone, to show that share.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

PROGRAMS = ["fib", "strbuild", "sort", "wordcount"]


def measure(cmd):
    """Runs `cmd`; returns (stdout, wall seconds, user + system seconds). Fails on a non-zero exit."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode()
        proc.stderr.close()
        if proc.returncode != 0:
            sys.exit(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}:\n{err}")
        out.seek(0)
        return out.read().decode(), wall, usage.ru_utime + usage.ru_stime


def main():
    pawc, program_dir, text, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    rows = []
    for name in PROGRAMS:
        args = [text] if name == "wordcount" else []
        paw = [pawc, "run", os.path.join(program_dir, name + ".pw"), "--", *args]
        python = ["python3", os.path.join(program_dir, name + ".py"), *args]
        check = [pawc, "check", os.path.join(program_dir, name + ".pw")]
        paw_out, python_out = measure(paw)[0], measure(python)[0]
        if paw_out != python_out:
            sys.exit(f"{name}: paw and python disagree\npaw:\n{paw_out}\npython:\n{python_out}")
        times = {"paw": [], "python": [], "check": []}
        for _ in range(runs):
            for key, cmd in (("paw", paw), ("python", python), ("check", check)):
                times[key].append(measure(cmd)[1:])
        rows.append((name, paw_out.split(), times))
        print(f"{name}: done", file=sys.stderr)

    def best(samples, i):
        return min(s[i] for s in samples)

    def median(samples, i):
        return statistics.median(s[i] for s in samples)

    print(f"{runs} runs each; seconds; speed-up = python time / paw time (above 1: paw is faster)\n")
    print("| program | output | paw wall best / median | python wall best / median | speed-up (median wall) "
          "| paw CPU median | python CPU median | speed-up (CPU) | of which `pawc check` (median wall) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, output, t in rows:
        paw, python = t["paw"], t["python"]
        print(f"| {name} | {' '.join(output)} "
              f"| {best(paw, 0):.3f} / {median(paw, 0):.3f} | {best(python, 0):.3f} / {median(python, 0):.3f} "
              f"| {median(python, 0) / median(paw, 0):.2f}× "
              f"| {median(paw, 1):.3f} | {median(python, 1):.3f} | {median(python, 1) / median(paw, 1):.2f}× "
              f"| {median(t['check'], 0):.3f} |")


main()
