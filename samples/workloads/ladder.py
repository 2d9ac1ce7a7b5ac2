"""A deterministic py-spy workload: ten functions that burn fixed, clearly different CPU shares.

Each round calls rung_01 ... rung_10; rung k spins in its own loop for a fixed number of
milliseconds that shrinks by a factor of 1.5 from one rung to the next, so their self-time order
is the same in every recording. A little stdlib work (textwrap, fractions) runs after the rungs,
each function of it far below the smallest rung.
"""

import fractions
import sys
import textwrap
import time

TEXT = "lorem ipsum dolor sit amet consectetur adipiscing elit " * 20


def rung_01():
    end = time.perf_counter() + 0.1538
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def rung_02():
    end = time.perf_counter() + 0.1025
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def rung_03():
    end = time.perf_counter() + 0.0683
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def rung_04():
    end = time.perf_counter() + 0.0456
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def rung_05():
    end = time.perf_counter() + 0.0304
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def rung_06():
    end = time.perf_counter() + 0.0203
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def rung_07():
    end = time.perf_counter() + 0.0135
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def rung_08():
    end = time.perf_counter() + 0.0090
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def rung_09():
    end = time.perf_counter() + 0.0060
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def rung_10():
    end = time.perf_counter() + 0.0040
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


RUNGS = [rung_01, rung_02, rung_03, rung_04, rung_05, rung_06, rung_07, rung_08, rung_09, rung_10]


def stdlib_work():
    lines = textwrap.wrap(TEXT, 37)
    total = fractions.Fraction(0)
    for i in range(1, 40):
        total += fractions.Fraction(1, i)
    return len(lines) + total.denominator % 7


def main(seconds):
    end = time.perf_counter() + seconds
    rounds = 0
    while time.perf_counter() < end:
        for rung in RUNGS:
            rung()
        stdlib_work()
        rounds += 1
    print("rounds", rounds)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 12.0)
