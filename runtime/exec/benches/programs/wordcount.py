import sys

def main():
    counts = {}
    with open(sys.argv[1]) as f:
        for line in f:
            for w in line.split():
                counts[w] = counts.get(w, 0) + 1
    print(len(counts))
    print(counts["the"])

main()
