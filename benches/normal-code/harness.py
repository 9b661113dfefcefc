"""Times `pawc run X.pw` (native code), `pawc run --interp X.pw`, `python3 X.py` and `lua5.4 X.lua` (where a Lua
twin exists) for each benchmark program; prints a markdown table.

Usage: harness.py PAWC PROGRAM_DIR TEXT_FILE EXPRESSIONS_FILE RUNS

Every version of a program must print the same output (its checksum), so all do the same work. The runs
alternate between the versions so that changing load on the machine hits all alike. Wall time is the elapsed time
of the whole process; CPU is its user + system time (from wait4), which other load on the machine disturbs less.
`pawc run` includes reading, parsing and checking the program (and, natively, compiling it), as users experience it.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PROGRAMS = ["fib", "loop", "strbuild", "sort", "wordcount", "exprparse"]


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


def lua():
    """The Lua interpreter, if installed (run.sh installs Debian's lua5.4 when it can)."""
    return shutil.which("lua5.4")


def main():
    pawc, program_dir, text, exprs, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    inputs = {"wordcount": [text], "exprparse": [exprs]}
    rows = []
    for name in PROGRAMS:
        args = inputs.get(name, [])
        source = os.path.join(program_dir, name)
        commands = {
            "native": [pawc, "run", source + ".pw", "--", *args],
            "interp": [pawc, "run", "--interp", source + ".pw", "--", *args],
            "python": ["python3", source + ".py", *args],
        }
        if lua() and os.path.exists(source + ".lua"):
            commands["lua"] = [lua(), source + ".lua", *args]
        outputs = {key: measure(cmd)[0] for key, cmd in commands.items()}
        for key, out in outputs.items():
            if out != outputs["python"]:
                sys.exit(f"{name}: {key} and python disagree\n{key}:\n{out}\npython:\n{outputs['python']}")
        times = {key: [] for key in commands}
        for _ in range(runs):
            for key, cmd in commands.items():
                times[key].append(measure(cmd)[1:])
        rows.append((name, outputs["python"].split(), times))
        print(f"{name}: done", file=sys.stderr)

    def median(samples, i):
        return statistics.median(s[i] for s in samples)

    print(f"{runs} runs each; median wall seconds (CPU = user + system in parentheses); "
          "ratio = other time / native time (above 1: native is faster)\n")
    print("| program | output | native | interp | python3 | lua5.4 | native vs interp | native vs python3 | native vs lua5.4 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, output, t in rows:
        cell = lambda key: f"{median(t[key], 0):.3f} ({median(t[key], 1):.3f})" if key in t else "—"
        ratio = lambda key: f"{median(t[key], 1) / median(t['native'], 1):.1f}×" if key in t else "—"
        print(f"| {name} | {' '.join(output)} | {cell('native')} | {cell('interp')} | {cell('python')} | {cell('lua')} "
              f"| {ratio('interp')} | {ratio('python')} | {ratio('lua')} |")


if __name__ == "__main__":
    main()
