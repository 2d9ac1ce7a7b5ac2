"""Every regular expression that meets input runs in linear time.

Each importer's detector and parser reads lines of 10,000 characters built to make
backtracking patterns blow up (nested or overlapping quantifiers over the same characters).
Each file is read in a child process with a generous time bound, so that a pattern that never
finishes fails the test instead of hanging it. The rewritten patterns are also checked to match
and capture exactly what stackcollapse-perf's (and the old sniffers') patterns do.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.importers import perf_parse, pyspy
from flamekit.render import colors

from .conftest import ROOT

N = 10_000
LINES = {
    "perf header digits": b"ab " + b"1" * N,
    "perf header digits then letter": b"ab " + b"1" * (N // 2) + b"x",
    "perf header slashes": b"ab " + b"1/" * (N // 2) + b"x",
    "event spaces": b"ab 1 1.0:" + b" " * N + b"x",
    "event digits": b"ab 1 1.0: " + b"1" * N + b"x:",
    "event colons": b"ab 1 1.0: " + b"a:" * (N // 2) + b"b",
    "spaces": b"a" + b" " * N + b"x",
    "tabs then digits": b"\t" * N + b"1",
    "frame word": b"\t" + b"a" * N,
    "frame openers": b"\t1 f" + b" (" * (N // 2),
    "frame openers and closers": b"\t1 f" + b" ()x" * (N // 4),
    "go method": b"\t1 " + b".(" * (N // 2) + b" (m)",
    "unknown module": b"\t1 [unknown] (" + b"a" * N + b")",
    "offset": b"\t1 f+0x" + b"a" * N + b"z (m)",
    "digits dots": b"1." * (N // 2),
    "python frames": b"a" + b" (<" * (N // 3),
    "python files": b"a" + b" (a.py" * (N // 5) + b" 1",
    "count tail": b"a" + b" " * N + b"1x",
    "semicolons": b"a;" * (N // 2) + b" 1",
    "slashes js": b"/" * N + b" 1",
    "node modules": b"/node_modules/" * (N // 14) + b" 1",
}


def _perf_file(line: bytes) -> bytes:
    """The line as a header, as a frame line, and alone, between well-formed records."""
    good = b"app 1 1.000001: 1 cycles:\n\t1 main (/bin/app)\n\n"
    return good + line + b"\n\t1 f (m)\n\n" + b"app 2 1.5: 1 cycles:\n" + line + b"\n\n" + good


def _json_files(line: bytes) -> dict[str, bytes]:
    text = line.decode()
    node = {"callFrame": {"functionName": text, "url": text, "lineNumber": 1, "columnNumber": 1}}
    cpuprofile = {
        "nodes": [{"id": 1, **node, "children": []}],
        "startTime": 0,
        "endTime": 10,
        "samples": [1],
        "timeDeltas": [1],
    }
    speedscope = {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {"frames": [{"name": text, "file": text, "line": 1}]},
        "profiles": [
            {
                "type": "sampled",
                "name": text,
                "unit": "none",
                "startValue": 0,
                "endValue": 1,
                "samples": [[0]],
                "weights": [1],
            }
        ],
    }
    return {
        "cpuprofile": json.dumps(cpuprofile).encode(),
        "speedscope": json.dumps(speedscope).encode(),
    }


CHILD = r"""
import json, os, sys, tempfile, time
from flamekit.errors import FlamekitError
from flamekit.importers import FORMATS, detect, load_source
from flamekit.sources import open_source

for case, fmt, data in json.load(sys.stdin):
    with tempfile.NamedTemporaryFile(suffix=".input") as fh:
        fh.write(data.encode("latin-1"))
        fh.flush()
        start = time.monotonic()
        crash = None
        for attempt in ("detect", fmt):
            source = open_source(fh.name)
            try:
                detect(source) if attempt == "detect" else load_source(source, fmt)
            except FlamekitError:
                pass
            except Exception as exc:
                crash = crash or f"{attempt}: {type(exc).__name__}: {exc}"[:200]
            finally:
                source.close()
        print(json.dumps([case, fmt, time.monotonic() - start, crash]), flush=True)
"""

TEXT_FORMATS = ["perf", "folded", "pyspy"]


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for name, line in LINES.items():
        for fmt in TEXT_FORMATS:
            data = _perf_file(line) if fmt == "perf" else line + b"\n" + line + b" 1\n"
            cases.append((name, fmt, data.decode("latin-1")))
        for fmt, data in _json_files(line).items():
            cases.append((name, fmt, data.decode("latin-1")))
    return cases


def test_every_importer_reads_adversarial_lines_in_linear_time():
    cases = _cases()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    try:
        out, err = proc.communicate(json.dumps(cases), timeout=240)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        done = [json.loads(line)[:2] for line in out.splitlines()]
        pending = next(c[:2] for c in cases if list(c[:2]) not in done)
        pytest.fail(f"no answer within the time bound; stuck on {pending}")
    assert proc.returncode == 0, err
    times = [json.loads(line) for line in out.splitlines()]
    assert len(times) == len(cases)
    slow = [t for t in times if t[2] > 5.0]  # linear work on 30 KB takes milliseconds
    assert slow == []
    assert [t for t in times if t[3]] == []  # and ends in a result or a one-line error


# -- the rewritten patterns accept and capture what the originals do ---------------------------
OLD_HEADER = re.compile(rb"^(\S.+?)\s+(\d+)/*(\d+)*\s+")
OLD_EVENT = re.compile(rb":\s*(\d+)*\s+(\S+):\s*$")
OLD_FRAME = re.compile(rb"^\s*(\w+)\s*(.+) \((.*)\)")
OLD_GO_METHOD = re.compile(rb"\.\(.*\)\.")
OLD_PY_FRAME = re.compile(rb"^[^\s;()][^;]*? \((?:[^;()]*\.pyx?|<[^;]*>)(?::\d+)?\)$")
OLD_COUNT_TAIL = re.compile(rb"\s+\d+\r?$")

PERF_PIECES = [b"a", b" ", b"\t", b"1", b"2", b"/", b":", b"(", b")", b".", b"x", b"\r", b"_"]
PY_PIECES = [b"a", b" ", b"(", b")", b".py", b".pyx", b"<", b">", b":", b"1", b";", b"\t", b" (<"]


def _texts(pieces: list[bytes]):
    return st.lists(st.sampled_from(pieces), max_size=14).map(b"".join)


@settings(max_examples=3000, deadline=None)
@given(_texts(PERF_PIECES))
def test_perf_patterns_match_stackcollapse_perf(line: bytes):
    old, new = OLD_HEADER.match(line), perf_parse.HEADER.match(line)
    assert (old and (old.groups(), old.end())) == (new and (new.groups(), new.end()))
    old, new = OLD_EVENT.search(line), perf_parse.EVENT.search(line)
    assert (old and old.groups()) == (new and new.groups())
    old, frame = OLD_FRAME.match(line), perf_parse.FRAME.match(line)
    assert (old and (old[0], *old.groups())) == (frame and tuple(frame))
    assert (OLD_GO_METHOD.search(line) is not None) == perf_parse._is_go_method(line)


@settings(max_examples=3000, deadline=None)
@given(_texts(PY_PIECES))
def test_pyspy_sniffing_patterns_match_the_originals(frame: bytes):
    assert (OLD_PY_FRAME.match(frame) is not None) == pyspy._looks_python(frame)
    assert OLD_COUNT_TAIL.sub(b"", frame) == pyspy._COUNT_TAIL.sub(b"", frame)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["/", ".js", "a", "\n", ".", "j", "s"]), max_size=10).map("".join))
def test_js_colour_rule_matches_the_original(name: str):
    assert (re.search(r"/.*\.js", name) is not None) == colors._js_path(name)
