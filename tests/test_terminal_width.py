"""Text tables at the terminal's width: COLUMNS=80 and 120 for top, hotpaths, calls, diff and
blocks; no line longer than the width, no name cut when it fits; locations give way first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flamekit.render.terminal import fit_label, shorten_location, terminal_width
from flamekit.transforms import package_of
from tests.conftest import run_cli

SAMPLES = Path(__file__).parents[1] / "samples"
SERVER = SAMPLES / "cpuprofile" / "server.cpuprofile"
BLOCKS = SAMPLES / "blocks" / "blocks.cpuprofile"
BEFORE = SAMPLES / "diff" / "js-before-1.cpuprofile"
AFTER = SAMPLES / "diff" / "js-after-1.cpuprofile"
PERF = SAMPLES / "perf" / "node-jit.perf.txt"

# per command: its arguments, the names the table shows (from its JSON), and the columns its
# numbers (and, in a tree, the deepest indent) take before a name
COMMANDS = {
    "top": (["top", SERVER, "-n", "15"], 46),
    "top-perf": (["top", PERF, "-n", "15"], 46),
    "hotpaths": (["hotpaths", SERVER, "-n", "3"], 37 + 16 + 6),
    "calls": (["calls", SERVER, "hashItems"], 37 + 16),
    "diff": (["diff", BEFORE, AFTER], 55),
    "blocks": (["blocks", BLOCKS], 80),
}


def _names(command: str) -> list[str]:
    args = COMMANDS[command][0]
    if command.startswith("top"):
        doc = json.loads(run_cli(*args, "--format", "json").stdout)
        return [f["name"] for f in doc["functions"]]
    if command == "hotpaths":
        doc = json.loads(run_cli(*args, "--format", "json").stdout)
        return [f["name"] for p in doc["paths"] for f in p["frames"]]
    if command == "calls":
        doc = json.loads(run_cli(*args, "--format", "json").stdout)
        floor = 0.01 * doc["total"]
        return [n["name"] for n in doc["callers"] + doc["callees"] if n["total"] >= floor]
    if command == "diff":
        doc = json.loads(run_cli(*args, "--format", "json").stdout)
        return [f["name"] for f in doc["functions"] if f["significant"]]
    doc = json.loads(run_cli(*args, "--format", "json", "-o", "-").stdout)
    return [b[k] for b in doc["blocks"] for k in ("entry", "hottest") if b[k]]


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_lines_fit_and_names_are_whole(command, width, monkeypatch):
    args, fixed = COMMANDS[command]
    monkeypatch.setenv("COLUMNS", str(width))
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    too_long = [line for line in lines if len(line) > width]
    assert not too_long, too_long[:3]
    names = _names(command)
    assert names
    text = "\n".join(lines)
    for name in names:
        if len(name) <= width - fixed:
            assert name in text, f"{name!r} cut at {width} columns"


def test_wider_terminal_shows_more_of_the_locations(monkeypatch):
    seen = {}
    for width in (80, 120):
        monkeypatch.setenv("COLUMNS", str(width))
        seen[width] = run_cli("top", SERVER, "-n", "5").stdout.decode()
    assert "hashItems (/srv/app/server.js:51)" in seen[80]  # without the scheme
    assert "hashItems (file:///srv/app/server.js:51)" in seen[120]
    assert "update (…/crypto/hash:132)" in seen[80]  # folders give way before the name


def test_piped_output_keeps_whole_names(monkeypatch, tmp_path):
    monkeypatch.delenv("COLUMNS", raising=False)
    long_name = "handle_" + "x" * 120
    path = tmp_path / "long.folded"
    path.write_text(f"main;{long_name} 5\nmain;short 1\n", encoding="utf-8")
    lines = run_cli("top", path).stdout.decode().splitlines()
    assert any(line.endswith("  " + long_name) for line in lines)  # whole, past 80 columns
    assert all(len(line) <= 80 for line in lines if long_name not in line)
    text = run_cli("top", SERVER, "-n", "5").stdout.decode()
    assert all(len(line) <= 80 for line in text.splitlines())  # the locations gave way
    assert "hashItems (/srv/app/server.js:51)" in text


@pytest.mark.parametrize(
    ("by", "header"), [("file", "file"), ("module", "module"), ("package", "package")]
)
def test_header_names_the_grouping(by, header, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    lines = run_cli("top", PERF, "--by", by, "-n", "40").stdout.decode().splitlines()
    head = next(line for line in lines if line.lstrip().startswith("self"))
    assert head.split()[-1] == header
    if by == "package":
        assert "[kernel.kallsyms]" in "\n".join(lines)
        assert not any(line.endswith("[kernel") for line in lines)


def test_perf_pseudo_objects_are_their_own_package():
    assert package_of("f", "", "[kernel.kallsyms]") == "[kernel.kallsyms]"
    assert package_of("f", "", "[vdso]") == "[vdso]"
    assert package_of("f", "", "numpy.core") == "numpy"


def test_locations_shorten_before_names():
    loc = "file:///srv/app/api/v2/server.js:1"
    assert fit_label("handler", loc, 100) == f"handler ({loc})"
    assert fit_label("handler", loc, 40) == "handler (/srv/app/api/v2/server.js:1)"
    assert fit_label("handler", loc, 30) == "handler (…/api/v2/server.js:1)"
    assert fit_label("handler", loc, 28) == "handler (…/v2/server.js:1)"
    assert fit_label("handler", loc, 25) == "handler (…/server.js:1)"
    assert fit_label("handler", loc, 20) == "handler"
    assert fit_label("JSONDecoder.raw_decode", "", 22) == "JSONDecoder.raw_decode"
    assert fit_label("JSONDecoder.raw_decode", "", 12) == "JSOND…decode"
    assert fit_label("JSONDecoder.raw_decode", "", 12, cut=False) == "JSONDecoder.raw_decode"
    assert shorten_location("node:internal/crypto/hash:132", 20) == "…/crypto/hash:132"


def test_terminal_width_reads_columns_first(monkeypatch):
    monkeypatch.setenv("COLUMNS", "123")
    assert terminal_width() == 123

    class Pipe:
        def isatty(self) -> bool:
            return False

    monkeypatch.delenv("COLUMNS")
    assert terminal_width(Pipe()) is None  # type: ignore[arg-type]
    monkeypatch.setenv("COLUMNS", "junk")
    assert terminal_width(Pipe()) is None  # type: ignore[arg-type]
