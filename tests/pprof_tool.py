"""Running the real ``go tool pprof`` and reading its ``-top`` table, for the pprof tests.

Tests that need it skip when ``go`` is missing, unless ``FLAMEKIT_REQUIRE_GO=1`` (CI) makes
that a failure. Go wants a home and a build cache: both go to a temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

_ROW = re.compile(r"^\s*(\S+)\s+\S+%\s+\S+%\s+(\S+)\s+\S+%\s+(.+?)\s*$")
_TOTAL = re.compile(r"of (\d+)(?:ns|B)? total")
_NUMBER = re.compile(r"^(\d+)(?:ns|B)?$")


def go_binary() -> str:
    go = shutil.which("go")
    if go is None:
        if os.environ.get("FLAMEKIT_REQUIRE_GO") == "1":
            pytest.fail("FLAMEKIT_REQUIRE_GO=1 but go is not installed")
        pytest.skip("go is not installed (Debian: golang-go)")
    return go


def go_env(tmp: Path) -> dict[str, str]:
    home = tmp / "gohome"
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "GOCACHE": str(home / "cache"),
        "GOPATH": str(home / "go"),
        "PPROF_TMPDIR": str(home / "pprof"),
        "GOFLAGS": "-mod=mod",
    }


def pprof_top(path: Path, tmp: Path, *flags: str) -> tuple[int, dict[str, tuple[int, int]]]:
    """(total, {function name: (flat, cum)}) from ``go tool pprof -top`` with every node shown
    and exact integers (nanoseconds, bytes or counts)."""
    unit = []
    if not any(f.startswith("-unit") for f in flags):
        unit = ["-unit=ns"]  # ignored by pprof for counts; bytes tests pass -unit=B
    cmd = [
        go_binary(),
        "tool",
        "pprof",
        "-symbolize=none",
        "-top",
        "-nodecount=0",
        "-nodefraction=0",
        "-edgefraction=0",
        *unit,
        *flags,
        str(path),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=go_env(tmp), timeout=300)
    assert done.returncode == 0, done.stderr
    total = None
    rows: dict[str, tuple[int, int]] = {}
    header_seen = False
    for line in done.stdout.splitlines():
        if total is None and (m := _TOTAL.search(line)):
            total = int(m.group(1))
        if line.split() == ["flat", "flat%", "sum%", "cum", "cum%"]:
            header_seen = True
            continue
        if not header_seen:
            continue
        m = _ROW.match(line)
        assert m, f"unexpected pprof line {line!r}"
        name = m.group(3).removesuffix(" (inline)")
        assert name not in rows, f"pprof listed {name!r} twice"
        rows[name] = (_number(m.group(1)), _number(m.group(2)))
    assert total is not None and header_seen, done.stdout
    return total, rows


def _number(text: str) -> int:
    m = _NUMBER.match(text)
    assert m, f"not an exact pprof number: {text!r} (pass -unit=ns or -unit=B)"
    return int(m.group(1))


def by_name(profile) -> dict[str, tuple[int, int]]:
    """{name: (flat, cum)} with functions of one name merged as pprof's -top merges them, in
    plain Python over the samples: flat from the leaf frame, cum once per sample."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for node, weight in zip(
        profile.samples.stack.tolist(), profile.samples.weight.tolist(), strict=True
    ):
        names = profile.stack_names(node)
        out[names[-1]][0] += weight
        for name in set(names):
            out[name][1] += weight
    return {k: (v[0], v[1]) for k, v in out.items()}


def assert_close(
    ours: dict[str, tuple[int, int]], theirs: dict[str, tuple[int, int]], total: int
) -> None:
    """Every function's flat and cum within 0.1% of the total, on both sides. pprof's table
    cannot show a name's trailing blanks (perf's C++ names lose their arguments after one)."""
    stripped = {name.rstrip(): value for name, value in ours.items()}
    assert len(stripped) == len(ours), "two names differ only in trailing blanks"
    ours = stripped
    assert set(ours) == set(theirs), set(ours) ^ set(theirs)
    for name, (flat, cum) in theirs.items():
        assert abs(ours[name][0] - flat) <= total / 1000, (name, ours[name], (flat, cum))
        assert abs(ours[name][1] - cum) <= total / 1000, (name, ours[name], (flat, cum))
