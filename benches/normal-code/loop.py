# A tight numeric loop: integer and float arithmetic in one function, no allocation.
def work(n):
    total = 0
    x = 0.5
    for i in range(n):
        total = (total + i * i % 7) % 1000000007
        x = x * 0.999 + 0.001
    return total + int(x * 1000.0)

print(work(20000000))
