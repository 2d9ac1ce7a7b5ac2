"""A CPU-bound Python workload for py-spy."""

import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def crunch(count):
    return sorted((i * 2654435761) % 1000003 for i in range(count))


def main():
    end = time.time() + 2.0
    total = 0
    while time.time() < end:
        total += fib(18)
        total += len(crunch(20000))
    print("done", total)


if __name__ == "__main__":
    main()
