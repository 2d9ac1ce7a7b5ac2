"""Folded stacks: import, export, round trips and every kind of bad input."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.errors import InputError
from flamekit.importers import load_path
from flamekit.model import FrameKind
from flamekit.render.folded import render_folded

from .conftest import ROOT, run_cli

FOLDED_FILES = sorted(
    [*ROOT.glob("samples/**/*.folded"), *ROOT.glob("tests/data/*.folded")], key=str
)


def sorted_lines(data: bytes) -> list[bytes]:
    return sorted(data.splitlines())


@pytest.mark.parametrize("path", FOLDED_FILES, ids=lambda p: p.name)
def test_round_trip_is_identical(path: Path):
    profile = load_path(str(path))
    assert sorted_lines(render_folded(profile)) == sorted_lines(path.read_bytes())


def test_round_trip_through_cli(tmp_path):
    src = ROOT / "samples/folded/deep.folded"
    out = tmp_path / "out.folded"
    proc = run_cli("convert", src, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted_lines(out.read_bytes()) == sorted_lines(src.read_bytes())


def test_fractional_counts_are_kept():
    p = load_path(str(ROOT / "tests/data/fractional.folded"))
    assert p.total_weight() == pytest.approx(17.5)
    assert b"main;parse;lex 0.5\n" in render_folded(p)


def test_annotations_give_frame_kinds():
    p = load_path(str(ROOT / "tests/data/names.folded"))
    kinds = {p.frame_name(i): FrameKind(int(k)) for i, k in enumerate(p.frames.kind)}
    assert kinds["sys_read_[k]"] == FrameKind.KERNEL
    assert kinds["Interpreter_[j]"] == FrameKind.JIT
    assert kinds["[unknown]"] == FrameKind.UNKNOWN
    assert "leaf with   three spaces" in kinds


def test_gzip_is_read_transparently(tmp_path):
    src = ROOT / "tests/data/recursion.folded"
    gz = tmp_path / "recursion.folded.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    assert sorted_lines(render_folded(load_path(str(gz)))) == sorted_lines(src.read_bytes())


def test_stdin_is_read(tmp_path):
    data = (ROOT / "tests/data/recursion.folded").read_bytes()
    proc = run_cli("top", "-", "--format", "csv", input=data)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines()[1] == "a,,,6,7,,a"


def test_gzip_on_stdin():
    data = gzip.compress((ROOT / "tests/data/recursion.folded").read_bytes())
    proc = run_cli("convert", "-", "-o", "-", input=data)
    assert proc.returncode == 0, proc.stderr
    assert sorted_lines(proc.stdout) == sorted_lines(
        (ROOT / "tests/data/recursion.folded").read_bytes()
    )


folded_frames = st.text(
    alphabet=st.characters(blacklist_characters=";\n\r", blacklist_categories=("Cs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and s.split() and s[0] not in " \t")


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.lists(folded_frames, min_size=1, max_size=6).map(";".join),
        st.integers(min_value=1, max_value=10**12),
        min_size=1,
        max_size=20,
    )
)
def test_round_trip_property(tmp_path_factory, stacks):
    lines = [f"{stack} {count}" for stack, count in stacks.items()]
    path = tmp_path_factory.mktemp("rt") / "x.folded"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = render_folded(load_path(str(path))).decode("utf-8")
    assert sorted(out.split("\n")[:-1]) == sorted(lines)


# -- bad input ------------------------------------------------------------------------------

BAD_INPUTS = {
    "blank-line.folded": (b"a;b 1\n\na;c 2\n", ":2: blank line"),
    "no-count.folded": (b"a;b 1\na;c\n", ":2: line has no count"),
    "negative.folded": (b"a;b -3\n", ":1: negative count '-3'"),
    "not-a-number.folded": (b"a;b 1\na;b x7\n", ":2: count 'x7' is not a number"),
    "empty.folded": (b"", "the file is empty"),
    "garbage.bin": (bytes(range(256)) * 40, "binary data, not a profile"),
    "unknown.txt": (b"hello world\nthis is not a profile\n", "cannot tell the format"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_error_and_exit_2(tmp_path, name):
    data, message = BAD_INPUTS[name]
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out.folded"
    proc = run_cli("convert", path, "-o", out)
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert err.startswith(f"flamekit: error: {path}")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_truncated_gzip(tmp_path):
    data = gzip.compress((ROOT / "samples/folded/deep.folded").read_bytes() * 50)
    path = tmp_path / "cut.folded.gz"
    path.write_bytes(data[: len(data) // 2])
    proc = run_cli("top", path)
    assert proc.returncode == 2
    assert "truncated gzip stream" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


def test_line_too_long(tmp_path):
    path = tmp_path / "long.folded"
    with open(path, "wb") as fh:
        fh.write(b"a;b 1\n")
        fh.write(b"x" * (17 * 1024 * 1024) + b" 1\n")
    proc = run_cli("info", path)
    assert proc.returncode == 2
    assert f"{path}:2: line is longer than 16 MiB" in proc.stderr.decode()


def test_invalid_utf8_is_replaced_and_reported_once(tmp_path):
    path = tmp_path / "latin1.folded"
    path.write_bytes(b"main;caf\xe9 2\nmain;na\xefve 1\n")
    p = load_path(str(path))
    names = {p.frame_name(i) for i in range(len(p.frames))}
    assert "caf\ufffd" in names and "na\ufffdve" in names
    assert len(p.meta.warnings) == 1 and ":1: invalid UTF-8" in p.meta.warnings[0]
    proc = run_cli("top", path)
    assert proc.returncode == 0
    assert proc.stderr.decode().count("invalid UTF-8") == 1


def test_input_error_location_format():
    err = InputError("x.folded", "bad", line=3, hint="fix it")
    assert str(err) == "x.folded:3: bad (fix it)"


def test_output_is_not_left_half_written_when_unwritable(tmp_path):
    src = ROOT / "tests/data/recursion.folded"
    target = tmp_path / "no-such-dir" / "out.folded"
    proc = run_cli("convert", src, "-o", target)
    assert proc.returncode == 2
    assert "cannot write" in proc.stderr.decode()
    assert not os.path.exists(target)


def test_empty_stack_line_counts_on_a_synthetic_frame(tmp_path):
    # py-spy writes ' 4' for samples of a thread that had no frames
    path = tmp_path / "empty.folded"
    path.write_bytes(b"main;f 5\n 4\n")
    p = load_path(str(path))
    assert p.total_weight() == 9
    assert sorted_lines(render_folded(p)) == [b"(empty stack) 4", b"main;f 5"]


FLAMEGRAPH_PL_LINE = re.compile(r"^(.*)\s+?(\d+(?:\.\d*)?)$")  # flamegraph.pl's own pattern


def test_spaces_parse_as_flamegraph_pl_and_round_trip(tmp_path):
    """The count is the last field after one whitespace; frames named ' ' survive."""
    text = b"  5\na; ;b 3\na;  2\na;b\t4\n"
    path = tmp_path / "spaces.folded"
    path.write_bytes(text)
    expected: dict[str, int] = {}
    for line in text.decode().splitlines():
        m = FLAMEGRAPH_PL_LINE.match(line)
        expected[m.group(1)] = expected.get(m.group(1), 0) + int(m.group(2))
    out = run_cli("convert", path, "--to", "folded", "-o", "-")
    assert out.returncode == 0, out.stderr
    got = {}
    for line in out.stdout.decode().splitlines():
        m = FLAMEGRAPH_PL_LINE.match(line)
        got[m.group(1)] = int(m.group(2))
    assert got == expected == {" ": 5, "a; ;b": 3, "a; ": 2, "a;b": 4}
    again = tmp_path / "again.folded"
    again.write_bytes(out.stdout)
    second = run_cli("convert", again, "--to", "folded", "-o", "-")
    assert second.stdout == out.stdout  # byte for byte
