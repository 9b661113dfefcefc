# Counts the words of a text file (the path is the first argument) with a dict.
import sys

def main():
    with open(sys.argv[1]) as f:
        text = f.read()
    counts = {}
    total = 0
    for line in text.splitlines():
        for word in line.split():
            counts[word] = counts.get(word, 0) + 1
            total += 1
    print(total)
    print(len(counts))
    print(counts["the"])

main()
