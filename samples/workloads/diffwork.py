"""A fixed amount of Python work for diffs: `python diffwork.py slow` makes parse() 3x slower."""

import sys


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def parse(count):
    return sum(int(str(i * 7919)) for i in range(count))


def render(count):
    return len("".join(chr(97 + i % 26) for i in range(count)))


def main():
    factor = 3 if "slow" in sys.argv[1:] else 1
    total = 0
    for _ in range(200):
        total += fib(19)
        total += parse(6000 * factor)
        total += render(30000)
    print("done", total)


if __name__ == "__main__":
    main()
