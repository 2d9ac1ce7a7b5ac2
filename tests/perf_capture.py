"""A large ``perf script`` capture made from a bundled sample, for tests and benchmarks.

The sample is repeated with every timestamp moved on by the sample's span per copy, so the
result reads like one long recording whose folded stacks are the sample's times ``copies``.
"""

from __future__ import annotations

import re
from pathlib import Path

_TIME = re.compile(rb"^(\S[^\n]*? )(\d+)\.(\d{6}):", re.M)


def write_repeated(sample: Path, out: Path, min_bytes: int) -> int:
    """Write copies of ``sample`` to ``out`` until it holds ``min_bytes``; the copy count."""
    text = sample.read_bytes()
    if not text.endswith(b"\n\n"):
        text = text.rstrip(b"\n") + b"\n\n"
    stamps = [int(m[2]) * 10**6 + int(m[3]) for m in _TIME.finditer(text)]
    span = max(stamps) - min(stamps) + 1000
    copies = -(-min_bytes // len(text))
    with out.open("wb") as fh:
        for copy in range(copies):
            shift = copy * span

            def moved(m: re.Match, shift: int = shift) -> bytes:
                us = int(m[2]) * 10**6 + int(m[3]) + shift
                return b"%s%d.%06d:" % (m[1], us // 10**6, us % 10**6)

            fh.write(_TIME.sub(moved, text) if shift else text)
    return copies


def scaled_folded(folded: bytes, factor: int) -> bytes:
    """Folded text with every count multiplied by ``factor``."""
    out = []
    for line in folded.splitlines():
        stack, count = line.rsplit(b" ", 1)
        out.append(b"%s %d\n" % (stack, int(count) * factor))
    return b"".join(out)
