"""Records whose stacks were seen before take the column path; it adds what the loop adds."""

from __future__ import annotations

import dataclasses

import pytest

from flamekit.importers import perf_parse
from flamekit.importers.perf_parse import PerfOptions, PerfParser

from .conftest import ROOT

CAPTURES = sorted((ROOT / "samples" / "perf").glob("*.perf.txt"))


def parse_twice(text: bytes, columns: bool, monkeypatch: pytest.MonkeyPatch) -> dict:
    parser = PerfParser(PerfOptions())
    used = []
    if not columns:
        monkeypatch.setattr(PerfParser, "_feed_seen", lambda self, parts: False)
    else:
        real = PerfParser._feed_seen
        monkeypatch.setattr(
            PerfParser, "_feed_seen", lambda self, parts: used.append(real(self, parts)) or used[-1]
        )
    for _ in range(2):  # the second time every stack text is known
        parser.feed(text, 0)
    monkeypatch.undo()
    return dataclasses.asdict(parser.result()), any(used)


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_seen_records_same_as_the_loop(path, monkeypatch):
    text = b"\n\n" + path.read_bytes().strip(b"\n")  # as a chunk: cut before a "\n\n"
    with_columns, used = parse_twice(text, True, monkeypatch)
    by_loop, _ = parse_twice(text, False, monkeypatch)
    assert with_columns == by_loop
    if len(perf_parse.SPLIT.split(text)) > 16 * 10:
        assert used  # captures of plain records (with -g) do take the column path


def test_unusual_periods_and_times_take_the_loop():
    record = b"app 12/12 [000] 1.%s: %s cpu-clock:\n\t401000 main (/srv/app/a)\n"
    text = b"\n\n" + b"\n".join(record % (b"5" * (1 + k % 3), b"7") for k in range(40))
    parser = PerfParser(PerfOptions())
    parser.feed(text, 0)
    parts = perf_parse.SPLIT.split(text)
    assert parser._feed_seen(parts) is False  # fractions of different lengths
