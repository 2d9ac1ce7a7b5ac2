"""Hostile inputs: every run ends in exit 0 or the one-line exit-2 error, in time, leaving no
partial output and a pre-existing output untouched (the rules are in tests/hostile.py).

The failures reported in issue 14 are replayed one by one; hypothesis strategies per importer
feed out-of-range numbers, cut files and mutated real samples. ``FLAMEKIT_FUZZ=N`` also runs the
seeded large fuzz (N mutants of every bundled sample; ``python -m tests.fuzz_run N`` alone).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from . import hostile
from .conftest import ROOT

FORMATS = [
    "perf",
    "folded",
    "pyspy",
    "cpuprofile",
    "speedscope",
    "chrome-trace",
    "pyspy-chrometrace",
    "pprof",
]
CPU = json.loads((ROOT / "samples/cpuprofile/cpu.cpuprofile").read_bytes())


def _convert(tmp_path: Path, name: str, data: bytes, *extra: str) -> hostile.Outcome:
    src = tmp_path / name
    src.write_bytes(data)
    out = tmp_path / "out.folded"
    outcome = hostile.run_flamekit(
        ["convert", str(src), *extra, "--to", "folded", "-o", str(out)], out
    )
    assert outcome.problem is None, f"{outcome.problem}\n{outcome.stderr[-1500:]}"
    return outcome


def _error(outcome: hostile.Outcome, *needles: str) -> str:
    assert outcome.exit == 2, outcome.stderr
    line = outcome.stderr.strip()
    for needle in needles:
        assert needle in line, line
    return line


def _cpuprofile(**changes) -> bytes:
    doc = json.loads(json.dumps(CPU))
    for key, value in changes.items():
        if key == "delta":
            doc["timeDeltas"][3] = value
        else:
            doc[key] = value
    return json.dumps(doc).encode()


def _hits_only(hit) -> bytes:
    """The cpuprofile sample as a profile of hit counts only (no samples/timeDeltas)."""
    doc = json.loads(json.dumps(CPU))
    del doc["samples"], doc["timeDeltas"]
    for node in doc["nodes"]:
        node["hitCount"] = 1
    doc["nodes"][1]["hitCount"] = hit
    return json.dumps(doc).encode()


@pytest.mark.parametrize("value", [2**63, 2**64, 1e30])
@pytest.mark.parametrize("field", ["endTime", "startTime", "delta"])
def test_cpuprofile_times_beyond_int64_are_one_line_errors(tmp_path, field, value):
    what = "timeDeltas" if field == "delta" else field
    _error(_convert(tmp_path, "p.cpuprofile", _cpuprofile(**{field: value})), "p.cpuprofile", what)


@pytest.mark.parametrize("value", [2**63, 2**64, 1e30, -1, 0.5, "7"])
def test_cpuprofile_hit_counts_out_of_range_are_one_line_errors(tmp_path, value):
    _error(_convert(tmp_path, "p.cpuprofile", _hits_only(value)), "p.cpuprofile", "hitCount")


@pytest.mark.parametrize("line", [2**31, 2**70, -5])
def test_cpuprofile_position_tick_lines_out_of_range_are_one_line_errors(tmp_path, line):
    doc = json.loads(json.dumps(CPU))
    node = next(n for n in doc["nodes"] if n.get("positionTicks"))
    node["positionTicks"][0]["line"] = line
    _error(_convert(tmp_path, "p.cpuprofile", json.dumps(doc).encode()), "p.cpuprofile", "line")


def test_chrome_trace_times_beyond_int64_are_one_line_errors(tmp_path):
    doc = json.loads((ROOT / "samples/chrome/page.trace.json").read_bytes())
    profile = next(e for e in doc["traceEvents"] if e.get("name") == "Profile")
    for value in (2**63, 2**64, 1e30):
        profile["args"]["data"]["startTime"] = value
        _error(_convert(tmp_path, "t.json", json.dumps(doc).encode()), "t.json", "startTime")


@pytest.mark.parametrize("count", ["9223372036854775808", "18446744073709551616", "1" * 31])
def test_folded_counts_beyond_int64_name_the_line(tmp_path, count):
    data = f"a;b 1\na;c {count}\n".encode()
    line = _error(_convert(tmp_path, "c.folded", data), "c.folded:2:", "too large")
    assert "RuntimeWarning" not in line


def test_folded_counts_that_add_up_beyond_int64(tmp_path):
    data = b"a;b 9223372036854775807\na;c 9223372036854775807\n"
    _error(_convert(tmp_path, "c.folded", data), "c.folded", "add up to more than 2**63 - 1")


@pytest.mark.parametrize("weight", [2**63, 1e30])
def test_speedscope_weights_beyond_int64_name_the_field(tmp_path, weight):
    doc = json.loads((ROOT / "samples/pyspy/work.speedscope.json").read_bytes())
    doc["profiles"][0]["weights"][1] = weight
    line = _error(
        _convert(tmp_path, "w.speedscope.json", json.dumps(doc).encode()), "w.speedscope.json"
    )
    assert "profiles[0].weights[1]" in line or "add up to" in line


def test_huge_pyspy_line_numbers_name_the_line(tmp_path):
    data = b"main (app.py:1);work (app.py:99999999999999999999) 3\n"
    _error(_convert(tmp_path, "raw.txt", data, "--from", "pyspy"), "raw.txt:1:", "line number")


def test_perf_adversarial_header_does_not_hang(tmp_path):
    outcome = _convert(tmp_path, "capture", b"ab " + b"1" * 40 + b"\n")  # sniffed, not named
    assert outcome.exit == 2 and outcome.seconds < 30


# -- hypothesis: every importer, out-of-range numbers, cut files, mutated samples -----------------
def _check(tmp_path: Path, pair: tuple[Path, bytes], fmt: str) -> None:
    sample, data = pair
    outcome = hostile.check_mutant(
        data, sample, ["convert", "--from", fmt, "--to", "folded", "-o", "{out}.folded"], tmp_path
    )
    assert outcome.problem is None, f"{outcome.problem}\n{outcome.stderr[-1500:]}"


SETTINGS = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _make(strategy_of, fmt: str):
    @SETTINGS
    @given(pair=strategy_of(fmt))
    def test(tmp_path, pair):
        _check(tmp_path, pair, fmt)

    return test


for _fmt in FORMATS:
    for _name, _strategy in (
        ("numbers", hostile.numbers_in_samples),
        ("cut", hostile.cut_samples),
        ("mutated", hostile.mutated_samples),
    ):
        globals()[f"test_{_name}_{_fmt.replace('-', '_')}"] = _make(_strategy, _fmt)


def test_seeded_fuzz_over_every_sample():
    """A small seeded fuzz run always; FLAMEKIT_FUZZ=N for N mutants of every sample."""
    from .fuzz_run import fuzz

    count = int(os.environ.get("FLAMEKIT_FUZZ") or 2)
    tally, problems = fuzz(count, seed=14, report=lambda _: None)
    assert tally["runs"] == count * len(hostile.SAMPLES)
    assert problems == []


def test_perf_thread_ids_beyond_64_bits_name_the_line(tmp_path):
    good = b"app 1 1.0: 1 cycles:\n\t1 main (/bin/app)\n\n"
    bad = b"app 1/18446744073709551616 1.5: 1 cycles:\n\t1 main (/bin/app)\n\n"
    _error(_convert(tmp_path, "t.perf", good + bad), "t.perf:4:", "too large")
    _error(_convert(tmp_path, "t.perf", bad), "t.perf:1:", "too large")


def test_cpuprofile_list_entries_that_are_not_numbers_are_named(tmp_path):
    doc = json.loads(_cpuprofile())
    doc["timeDeltas"][5] = "x"
    _error(_convert(tmp_path, "d.cpuprofile", json.dumps(doc).encode()), "entry 5 is a string")


def test_speedscope_stack_entry_that_is_an_array_is_named(tmp_path):
    doc = json.loads((ROOT / "samples/pyspy/work.speedscope.json").read_bytes())
    doc["profiles"][0]["samples"][2][1] = []
    outcome = _convert(tmp_path, "s.speedscope.json", json.dumps(doc).encode())
    _error(outcome, "profiles[0].samples[2][1]", "must be an integer")


def test_speedscope_weight_that_overflows_when_scaled_is_named(tmp_path):
    doc = json.loads((ROOT / "samples/pyspy/work.speedscope.json").read_bytes())
    assert doc["profiles"][0]["unit"] == "seconds"  # scaled to nanoseconds on import
    doc["profiles"][0]["weights"][1] = 1e308
    outcome = _convert(tmp_path, "s.speedscope.json", json.dumps(doc).encode())
    _error(outcome, "profiles[0].weights[1]", "too large")
