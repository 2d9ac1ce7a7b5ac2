"""``top --by line``: the hottest source lines, against plain-Python readings of real files."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import orjson
import pytest

from .conftest import run_cli, sample
from .v8_reference import compare_lines, trace_profiles

PYSPY_RAW = [sample("pyspy", n) for n in ("work.txt", "ladder.txt", "threads-idle.txt")]
FRAME = re.compile(r"^(?P<name>.*) \((?P<file>.*):(?P<line>\d+)\)$")
V8 = [
    sample("cpuprofile", "anon-cpu.cpuprofile"),
    sample("cpuprofile", "anon-loop.cpuprofile"),
    sample("cpuprofile", "cpu.cpuprofile"),
    sample("chrome", "page.cpuprofile"),
]


def lines_json(*paths) -> dict:
    proc = run_cli("top", "--by", "line", "--format", "json", "-n", "0", *paths)
    assert proc.returncode == 0, proc.stderr.decode()
    return orjson.loads(proc.stdout)


def raw_line_sums(path) -> tuple[dict, dict]:
    """Self and total per (name, file, line), read straight from py-spy's raw lines: the count
    is the last field; frames are 'name (file:line)' (thread and process roots are not code)."""
    selfs: dict = defaultdict(int)
    totals: dict = defaultdict(int)
    for text in path.read_text().splitlines():
        stack, count = text.rsplit(" ", 1)
        keys = []
        for frame in stack.split(";"):
            m = FRAME.match(frame)
            if m:
                keys.append((m["name"], m["file"], int(m["line"])))
        if keys:
            selfs[keys[-1]] += int(count)
        for key in set(keys):
            totals[key] += int(count)
    return dict(selfs), dict(totals)


@pytest.mark.parametrize("path", PYSPY_RAW, ids=lambda p: p.name)
def test_pyspy_lines_equal_the_raw_files_sums_exactly(path):
    selfs, totals = raw_line_sums(path)
    rows = lines_json(path)["lines"]
    got = {(r["name"], r["file"], r["line"]): (r["self"], r["total"]) for r in rows if r["line"]}
    assert len(got) == len([r for r in rows if r["line"]])  # one row per line
    assert got == {k: (selfs.get(k, 0), v) for k, v in totals.items()}
    assert len(got) >= 5


@pytest.mark.parametrize("path", V8, ids=lambda p: p.name)
def test_v8_position_ticks_split_self_time_over_lines(path):
    compare_lines(lines_json(path), json.loads(path.read_text()))


def test_chrome_trace_chunk_lines():
    path = sample("chrome", "page.trace.json")
    profiles = trace_profiles(json.loads(path.read_text())["traceEvents"])
    kept = [p for p in profiles.values() if p["_source"] == "Internal"]
    assert any(any(p["_lines"]) for p in kept)
    compare_lines(lines_json(path), *kept)


def test_line_rows_have_the_documented_shape():
    doc = lines_json(sample("cpuprofile", "anon-cpu.cpuprofile"))
    row = doc["lines"][0]
    assert {"name", "file", "line", "self", "total"} <= set(row)
    labels = [r["label"] for r in doc["lines"]]
    assert len(labels) == len(set(labels))
    # the comparator's line and the sort's own line 18 are two rows: two functions
    at18 = {r["label"] for r in doc["lines"] if r["line"] == 18 and "anon.js" in r["file"]}
    assert at18 == {"anon.js:18 sortAll", "anon.js:18 (anonymous)"}
