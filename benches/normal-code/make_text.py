"""Writes the 5 MB word-count input: deterministic pseudo-random words, 12 per line."""
import random
import sys

random.seed(7)
words = ["the"] + ["w%d" % i for i in range(20000)]
out, size = [], 0
while size < 5_000_000:
    line = " ".join(random.choice(words) if random.random() > 0.05 else "the" for _ in range(12))
    out.append(line)
    size += len(line) + 1
open(sys.argv[1], "w").write("\n".join(out) + "\n")
