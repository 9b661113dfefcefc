"""Writes a 5,003-line `.pw` program (500 functions with a loop, string building and a call each) for timing the
native backend's compile time: compare `pawc check`, `pawc run` and `pawc run --interp` on it.

Usage: make_big_program.py OUT.pw"""
import sys

lines = []
for i in range(500):
    prev = f"f{i - 1}(n - 1, s)" if i else "n"
    lines += [
        f"fn f{i}(n: int, s: str) -> int {{",
        f"    let mut total = {i};",
        "    let mut text = s;",
        "    for k in 0..n {",
        f"        total = (total + k * {i % 7 + 1}) % 1000003;",
        "        text += \"x{k}\";",
        "    }",
        f"    if n > 0 {{ total + {prev} + text.len() }} else {{ total }}",
        "}",
        "",
    ]
lines += ["fn main() {", "    print(f499(3, \"a\"));", "}"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
