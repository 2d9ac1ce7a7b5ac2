"""``top --by line`` rows name their function's own position (``function_line``,
``function_column``) where the format records it: two callbacks on one line are two rows that
say which is which, against a plain-Python reading of real V8 profiles."""

from __future__ import annotations

import copy
import json

import pytest

from .conftest import sample
from .test_lines import lines_json
from .v8_reference import compare_lines

V8 = [sample("cpuprofile", "anon-cpu.cpuprofile"), sample("cpuprofile", "anon-loop.cpuprofile")]


def at(line, column) -> str:
    return f"@{line}:{column}"


def positioned(profile: dict) -> dict:
    """The profile with each function's own position (1-based) in its name."""
    out = copy.deepcopy(profile)
    for node in out["nodes"]:
        frame = node["callFrame"]
        if frame["functionName"] == "(root)":
            continue
        line, column = frame.get("lineNumber", -1), frame.get("columnNumber", -1)
        name = frame["functionName"] or "(anonymous)"
        if line >= 0:
            frame["functionName"] = name + at(line + 1, column + 1 if column >= 0 else None)
    return out


@pytest.mark.parametrize("path", V8, ids=lambda p: p.name)
def test_line_rows_carry_their_functions_position(path):
    doc = lines_json(path)
    for row in doc["lines"]:
        if row["function_line"] is not None:
            row["name"] += at(row["function_line"], row["function_column"])
    compare_lines(doc, positioned(json.loads(path.read_text())))


def test_two_callbacks_on_one_line_differ_by_column():
    rows = lines_json(sample("cpuprofile", "anon-cpu.cpuprofile"))["lines"]
    keys = [
        (r["name"], r["file"], r["line"], r["function_line"], r["function_column"]) for r in rows
    ]
    assert len(keys) == len(set(keys))
    on20 = [r for r in rows if r["name"] == "(anonymous)" and r["line"] == 20 and r["file"]]
    on20 = [r for r in on20 if r["file"].endswith("/anon.js")]
    assert len({r["function_column"] for r in on20}) == len(on20) >= 2
    assert {r["function_line"] for r in on20} == {20}


def test_formats_without_the_functions_position_say_null():
    for path in (sample("pyspy", "work.txt"), sample("perf", "lines-srcline.perf.txt")):
        rows = lines_json(path)["lines"]
        assert rows and all(r["function_line"] is r["function_column"] is None for r in rows)
