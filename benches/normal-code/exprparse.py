# A string-heavy parser: reads a file of arithmetic expressions (ints, `+ - *`, parentheses; the path is the
# first argument), tokenizes each line character by character and evaluates it by recursive descent.
import sys


class Cursor:
    __slots__ = ("chars", "pos")

    def __init__(self, chars):
        self.chars = chars
        self.pos = 0


def peek(c):
    while c.pos < len(c.chars) and c.chars[c.pos] == " ":
        c.pos += 1
    return c.chars[c.pos] if c.pos < len(c.chars) else ""


def number(c):
    n = 0
    while c.pos < len(c.chars):
        ch = c.chars[c.pos]
        if ch < "0" or ch > "9":
            break
        n = n * 10 + int(ch)
        c.pos += 1
    return n


def factor(c):
    if peek(c) == "(":
        c.pos += 1
        v = sum_(c)
        peek(c)
        c.pos += 1
        return v
    return number(c)


def product(c):
    v = factor(c)
    while peek(c) == "*":
        c.pos += 1
        v *= factor(c)
    return v


def sum_(c):
    v = product(c)
    op = peek(c)
    while op == "+" or op == "-":
        c.pos += 1
        if op == "+":
            v += product(c)
        else:
            v -= product(c)
        op = peek(c)
    return v


def main():
    with open(sys.argv[1]) as f:
        text = f.read()
    total = 0
    lines = 0
    longest = ""
    for line in text.splitlines():
        value = sum_(Cursor(list(line)))
        total = ((total + value) % 1000000007 + 1000000007) % 1000000007
        lines += 1
        if len(line) > len(longest):
            longest = line
    print(lines)
    print(total)
    print(len(longest))


main()
