# A loop appending 100,000 interpolated lines to one string.
def main():
    s = ""
    for i in range(100000):
        s += f"line {i}\n"
    print(len(s))
    print(s.splitlines()[99999])

main()
