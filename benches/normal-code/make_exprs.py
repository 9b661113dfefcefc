"""Writes the expression parser's input: deterministic pseudo-random arithmetic expressions, one per line
(ints below 1000, `+ - *`, parenthesized sums), small enough that no value overflows 64 bits."""
import random
import sys

random.seed(11)


def factor():
    if random.random() < 0.2:
        return "(" + " + ".join(str(random.randrange(1000)) for _ in range(random.randint(2, 4))) + ")"
    return str(random.randrange(1000))


def term():
    return " * ".join(factor() for _ in range(random.randint(1, 3)))


out = []
for _ in range(40_000):
    line = term()
    for _ in range(random.randint(1, 6)):
        line += random.choice([" + ", " - "]) + term()
    out.append(line)
open(sys.argv[1], "w").write("\n".join(out) + "\n")
