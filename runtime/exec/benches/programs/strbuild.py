def main():
    s = ""
    for i in range(100000):
        s += f"line {i}\n"
    print(len(s))

main()
