# Sorting 100,000 pseudo-random ints (a linear congruential generator fills the list).
def main():
    xs = []
    x = 12345
    for i in range(100000):
        x = (x * 1103515245 + 12345) % 2147483648
        xs.append(x)
    s = sorted(xs)
    print(s[0])
    print(s[50000])
    print(s[99999])

main()
