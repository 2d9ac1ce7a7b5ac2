"""The command line as a user meets it: help, version, info, top, convert, errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from flamekit import __version__
from flamekit.cli import cli

from .conftest import ROOT, run_cli

RECURSION = ROOT / "tests/data/recursion.folded"


def all_commands():
    return sorted(cli.commands)


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode().strip() == f"flamekit, version {__version__}"


@pytest.mark.parametrize("command", all_commands())
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_has_help(command, flag):
    result = CliRunner().invoke(cli, [command, flag])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert cli.commands[command].help


def test_top_json_shape():
    proc = run_cli("top", RECURSION, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert set(doc) == {"unit", "total", "functions"}
    assert doc["unit"] == "samples"
    assert doc["total"] == 10
    assert doc["functions"] == [
        {
            "name": "a",
            "file": None,
            "line": None,
            "column": None,
            "label": "a",
            "self": 6,
            "total": 7,
        },
        {
            "name": "b",
            "file": None,
            "line": None,
            "column": None,
            "label": "b",
            "self": 4,
            "total": 6,
        },
        {
            "name": "main",
            "file": None,
            "line": None,
            "column": None,
            "label": "main",
            "self": 0,
            "total": 10,
        },
    ]


def test_top_limits_and_table_fits_80_columns(tmp_path, monkeypatch):
    long_name = "x" * 300
    path = tmp_path / "long.folded"
    path.write_text(f"main;{long_name} 5\nmain;short 1\n")
    monkeypatch.setenv("COLUMNS", "80")
    proc = run_cli("top", path, "-n", "1")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "…" in lines[-1]
    assert len(lines) == 3  # summary, header, one function
    # piped, without a terminal width: the name is whole, the rest within 80 columns
    monkeypatch.delenv("COLUMNS")
    lines = run_cli("top", path, "-n", "1").stdout.decode().splitlines()
    assert lines[-1].endswith("  " + long_name)
    assert all(len(line) <= 80 for line in lines[:-1])


def test_top_csv():
    proc = run_cli("top", RECURSION, "--format", "csv", "-n", "2")
    assert proc.stdout.decode().splitlines() == [
        "name,file,line,self,total,column,label",
        "a,,,6,7,,a",
        "b,,,4,6,,b",
    ]


def test_info_describes_the_profile():
    proc = run_cli("info", RECURSION)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    for expected in (
        "format:      folded",
        "unit:        samples",
        "samples:     10",  # the summed counts of the 4 lines
        "total:       10",
        "frames:      3",
        "top functions",
    ):
        assert expected in out


def test_from_overrides_detection(tmp_path):
    path = tmp_path / "stacks.data"
    path.write_bytes(RECURSION.read_bytes())
    proc = run_cli("top", path, "--from", "folded", "--format", "csv", "-n", "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines()[1] == "a,,,6,7,,a"


def test_unknown_from_lists_formats():
    proc = run_cli("top", RECURSION, "--from", "nonsense")
    assert proc.returncode == 2
    assert "folded" in proc.stderr.decode()


def test_unknown_output_extension(tmp_path):
    proc = run_cli("convert", RECURSION, "-o", tmp_path / "x.unknownext")
    assert proc.returncode == 2
    assert "--to" in proc.stderr.decode()


def test_missing_file():
    proc = run_cli("info", "does-not-exist.folded")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == "flamekit: error: does-not-exist.folded: no such file"


def test_several_inputs_merge(tmp_path):
    proc = run_cli("top", RECURSION, RECURSION, "--format", "json")
    doc = json.loads(proc.stdout)
    assert doc["total"] == 20
    assert doc["functions"][0] == {
        "name": "a",
        "file": None,
        "line": None,
        "column": None,
        "label": "a",
        "self": 12,
        "total": 14,
    }
