"""perf ``srcline``: ``top --by line`` from the places perf prints under frames, against a
plain-Python reading of real ``perf script -F +srcline`` files; every other output reads the
file as if the srcline lines were not there."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from .conftest import run_cli, sample

SRCLINE = [sample("perf", "lines-srcline.perf.txt"), sample("perf", "lines-srcline-F.perf.txt")]
PERIOD = re.compile(r"\s(\d+)\s+\S+:\s*$")  # "... 2004008 cpu-clock:ppp:"
FRAME_LINE = re.compile(r"^\s+[0-9a-f]+ (?P<sym>\S+?)(?:\+0x[0-9a-f]+)? \((?P<dso>.*)\)$")
PLACE = re.compile(r"^  (?P<file>\S+):(?P<line>\d+)$")


def reference_lines(text: str, keep=lambda syms: True) -> dict:
    """(name, file, line) -> (self, total) read straight from the text: a sample's weight is
    the period on its header (1 without one); its leaf frame's place gets the self weight, every
    place on its stack the total once; a leaf without a place is its function's row (line
    None, total = self)."""
    selfs: dict = defaultdict(int)
    totals: dict = defaultdict(int)
    for record in text.strip("\n").split("\n\n"):
        header, *rest = record.split("\n")
        m = PERIOD.search(header)
        weight = int(m[1]) if m else 1
        frames: list[list] = []  # [symbol, file, line], leaf first
        for line in rest:
            fm = FRAME_LINE.match(line)
            if fm:
                frames.append([fm["sym"], None, None])
                continue
            pm = PLACE.match(line)
            if pm and frames:
                frames[-1][1:] = [pm["file"], int(pm["line"])]
        if not frames or not keep([f[0] for f in frames]):
            continue
        leaf = tuple(frames[0])
        selfs[leaf] += weight
        if leaf[2] is None:
            totals[leaf] += weight
        for key in {tuple(f) for f in frames if f[2] is not None}:
            totals[key] += weight
    return {k: (selfs.get(k, 0), v) for k, v in totals.items()}


def line_rows(*args) -> dict:
    proc = run_cli("top", "--by", "line", "--format", "json", "-n", "0", *args)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr == b""  # srcline lines are not unrecognized lines
    rows = orjson.loads(proc.stdout)["lines"]
    got = {(r["name"], r["file"], r["line"]): (r["self"], r["total"]) for r in rows}
    assert len(got) == len(rows)
    return got


@pytest.mark.parametrize("path", SRCLINE, ids=lambda p: p.name)
def test_top_by_line_equals_the_srcline_places_exactly(path: Path):
    ref = reference_lines(path.read_text())
    got = line_rows(path)
    assert got == ref
    placed = [k for k in got if k[2] is not None]
    assert len(placed) >= 8
    assert len({k[2] for k in placed if k[0] == "sum_loop"}) >= 3


def test_a_recursive_line_counts_once_per_sample():
    path = SRCLINE[1]  # no period: each sample weighs 1
    got = line_rows(path)
    frames_at_33 = path.read_text().count("\n  lines.c:33\n")
    samples_at_33 = sum("lines.c:33" in r for r in path.read_text().split("\n\n"))
    assert got[("descend", "lines.c", 33)][1] == samples_at_33 < frames_at_33


def test_sample_filters_keep_the_places():
    path = SRCLINE[0]
    ref = reference_lines(path.read_text(), keep=lambda syms: "hash_loop" not in syms)
    assert line_rows(path, "--exclude", "hash_loop") == ref
    assert line_rows(path, "--thread", "lines", "--from-time", "0s") == reference_lines(
        path.read_text()
    )


def test_unusual_record_layouts_read_the_same_places(tmp_path: Path):
    """Runs of blank lines send records through the line-by-line state machine."""
    path = SRCLINE[0]
    odd = tmp_path / "odd.perf.txt"
    odd.write_text(path.read_text().replace("\n\n", "\n\n\n"))
    assert line_rows(odd) == line_rows(path)


def copies(path: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The file as it is and without its srcline lines, under one name in two folders."""
    with_places, plain = tmp_path / "with" / path.name, tmp_path / "plain" / path.name
    for copy in (with_places, plain):
        copy.parent.mkdir()
    with_places.write_text(path.read_text())
    kept = [ln for ln in path.read_text().split("\n") if not ln.startswith("  ")]
    plain.write_text("\n".join(kept))
    return with_places, plain


@pytest.mark.parametrize("path", SRCLINE, ids=lambda p: p.name)
@pytest.mark.parametrize(
    "command",
    [
        ("convert", "--to", "folded", "-o", "-"),
        ("top", "--format", "json", "-n", "0"),
        ("top", "--by", "file", "--format", "json", "-n", "0"),
        ("hotpaths", "--format", "json"),
        ("calls", "sum_loop", "--format", "json"),
        ("info",),
    ],
    ids=lambda c: " ".join(c[:3]),
)
def test_other_outputs_read_srcline_text_as_without_it(path, command, tmp_path):
    placed, plain = copies(path, tmp_path)
    assert plain.read_text().count("\n  ") == 0 < placed.read_text().count("\n  ")
    with_places = run_cli(command[0], placed, *command[1:])
    without = run_cli(command[0], plain, *command[1:])
    assert with_places.returncode == without.returncode == 0, with_places.stderr.decode()
    assert with_places.stdout.replace(b"/with/", b"/plain/") == without.stdout
    assert with_places.stderr == without.stderr == b""


def test_srcline_places_survive_a_merge_of_several_captures(tmp_path):
    """A capture read twice and one without srcline, merged: the lines add up."""
    plain = sample("perf", "deep.perf.txt")
    timed = [SRCLINE[0], SRCLINE[0]]  # the -F capture has no period: another unit
    want: dict = defaultdict(lambda: [0, 0])
    for path in timed:
        for key, (self_, total) in reference_lines(path.read_text()).items():
            want[key][0] += self_
            want[key][1] += total
    for key, (self_, total) in line_rows(plain).items():
        want[key][0] += self_
        want[key][1] += total
    got = line_rows(*timed, plain)
    assert got == {k: tuple(v) for k, v in want.items()}
    assert sum(1 for k in got if k[2] is not None) >= 8
