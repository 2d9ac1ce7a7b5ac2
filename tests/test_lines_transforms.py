"""``top --by line`` after transforms: reshaping transforms that leave each node's self time
with its function keep V8's line ticks exactly; the others say that the lines were dropped."""

from __future__ import annotations

import orjson
import pytest

from .conftest import run_cli, sample

ANON = sample("cpuprofile", "anon-cpu.cpuprofile")
CPU = sample("cpuprofile", "cpu.cpuprofile")
SRCLINE = sample("perf", "lines-srcline.perf.txt")
DROPPED = b"dropped the source lines"


def lines(path, *options) -> tuple[dict, bytes]:
    proc = run_cli("top", "--by", "line", "--format", "json", "-n", "0", path, *options)
    assert proc.returncode == 0, proc.stderr.decode()
    rows = orjson.loads(proc.stdout)["lines"]
    got: dict = {}
    for r in rows:
        key = (r["name"], r["file"], r["line"], r["function_line"], r["function_column"])
        assert key not in got
        got[key] = (r["self"], r["total"])
    return got, proc.stderr


def assert_same(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, (self_w, total) in want.items():
        assert got[key][0] == pytest.approx(self_w, rel=1e-9, abs=1e-3), key
        assert got[key][1] == pytest.approx(total, rel=1e-9, abs=1e-3), key


@pytest.mark.parametrize("path", [ANON, CPU], ids=lambda p: p.name)
@pytest.mark.parametrize(
    "options", [("--group-by", "function"), ("--collapse-recursion",)], ids=" ".join
)
def test_transforms_that_keep_self_time_keep_line_ticks(path, options):
    plain, _ = lines(path)
    got, err = lines(path, *options)
    assert err == b""
    assert_same(got, plain)
    assert sum(1 for k in got if k[2] is not None) >= 5


def test_focus_root_keeps_the_lines_of_focus():
    focused, _ = lines(ANON, "--focus", "sortAll")
    rooted, err = lines(ANON, "--focus-root", "sortAll")
    assert err == b""
    assert_same(rooted, focused)
    assert any(k[0] == "sortAll" and k[2] == 18 for k in rooted)


def test_hide_gives_the_hidden_lines_to_the_caller_without_a_line():
    plain, _ = lines(ANON)
    hidden, err = lines(ANON, "--hide", "^sortAll$")
    assert err == b""
    assert not any(k[0] == "sortAll" for k in hidden)
    assert sum(v[0] for v in hidden.values()) == pytest.approx(sum(v[0] for v in plain.values()))
    # rows of other functions keep their lines
    for key in (k for k in plain if k[0] == "mapAll"):
        assert hidden[key] == pytest.approx(plain[key])


@pytest.mark.parametrize(
    ("path", "options", "option"),
    [
        (ANON, ("--invert",), b"--invert"),
        (ANON, ("--group-by", "file"), b"--group-by"),
        (SRCLINE, ("--focus-root", "descend"), b"--focus-root"),
        (SRCLINE, ("--invert",), b"--invert"),
    ],
)
def test_transforms_that_drop_lines_say_so(path, options, option):
    got, err = lines(path, *options)
    assert DROPPED in err and option in err
    assert all(k[2] is None for k in got)
    _, quiet = lines(path)
    assert quiet == b""
