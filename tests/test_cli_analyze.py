"""hotpaths, calls, top --by and the transform options as a user meets them."""

from __future__ import annotations

import json

import pytest

from .conftest import ROOT, run_cli

RECURSION = ROOT / "tests/data/recursion.folded"
DEEP = ROOT / "samples/folded/deep.folded"


def ok(*args):
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def fails(*args):
    proc = run_cli(*args)
    assert proc.returncode == 2
    err = proc.stderr.decode().strip()
    assert len(err.splitlines()) == 1 and err.startswith("flamekit: error:"), err
    assert "Traceback" not in err
    return err


def test_hotpaths_text_tree():
    out = ok("hotpaths", RECURSION)
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0] == "recursion.folded: total 10 samples"
    # main (10) > a (7) > a a (4, path 1); a > b > a (path 3); main > b (path 2)
    tree = [line.split() for line in lines[2:8]]
    assert tree == [
        ["10", "100.0%", "main"],
        ["7", "70.0%", "a"],
        ["4", "40.0%", "a", "×2", "[#1]"],
        ["3", "30.0%", "b"],
        ["2", "20.0%", "a", "[#3]"],
        ["3", "30.0%", "b", "[#2]"],
    ]
    assert lines[-1].split() == ["#3", "20.0%", "2", "a", "(off", "#1", "after", "a)"]


def test_hotpaths_json_and_count():
    doc = json.loads(ok("hotpaths", DEEP, "-n", "2", "--format", "json"))
    assert doc["unit"] == "samples"
    assert doc["total"] == 889779552
    assert [p["weight"] for p in doc["paths"]] == [535070136, 56112224]
    assert [f["name"] for f in doc["paths"][0]["frames"]] == ["deep", "start_thread", "hash_loop"]


def test_hotpaths_critical():
    out = ok("hotpaths", DEEP, "--critical")
    assert [line.split()[-1] for line in out.splitlines()[2:]] == [
        "deep",
        "start_thread",
        "hash_loop",
    ]


def test_long_names_are_truncated_in_the_middle(tmp_path, monkeypatch):
    path = tmp_path / "long.folded"
    path.write_text(f"main;{'x' * 200}_end 5\nmain;short 1\n")
    monkeypatch.setenv("COLUMNS", "80")
    for args in (("hotpaths", path), ("calls", path, "^x")):
        lines = ok(*args).splitlines()
        assert all(len(line) <= 80 for line in lines), args
        assert any("…" in line and "xxx_end" in line for line in lines), args
    # piped, without a terminal width, the name is whole
    monkeypatch.delenv("COLUMNS")
    for args in (("hotpaths", path), ("calls", path, "^x")):
        assert "x" * 200 + "_end" in ok(*args), args


def test_calls_text_and_json():
    out = ok("calls", RECURSION, "^b$")
    assert "functions matching '^b$': b" in out
    assert "total 6 (60.0%), self 4 (40.0%), 6 samples" in out  # counts, not lines
    doc = json.loads(ok("calls", RECURSION, "^b$", "--format", "json"))
    callers = {(n["name"], n["depth"]): n["total"] for n in doc["callers"]}
    assert callers == {("b", 0): 6, ("main", 1): 3, ("a", 1): 3, ("main", 2): 3}
    assert fails("calls", RECURSION, "^nothing$").endswith("(the pattern is a regular expression)")


def test_top_by_and_transforms():
    csv = ok("top", RECURSION, "--format", "csv", "--focus", "^b$")
    assert csv.splitlines() == [
        "name,file,line,self,total,column,label",
        "b,,,4,6,,b",
        "a,,,2,3,,a",
        "main,,,0,6,,main",
    ]
    csv = ok("top", RECURSION, "--format", "csv", "--hide", "^a$")
    assert csv.splitlines() == [
        "name,file,line,self,total,column,label",
        "b,,,6,6,,b",
        "main,,,4,10,,main",
    ]
    csv = ok("top", RECURSION, "--format", "csv", "--exclude", "^b$", "--exclude", "nothing")
    assert csv.splitlines() == [
        "name,file,line,self,total,column,label",
        "a,,,4,4,,a",
        "main,,,0,4,,main",
    ]
    csv = ok("top", RECURSION, "--format", "csv", "--invert", "--by", "file")
    assert csv.splitlines()[1:] == ["main,,,10,10,,main", "a,,,0,7,,a", "b,,,0,6,,b"]
    doc = json.loads(ok("top", RECURSION, "--format", "json", "--collapse-recursion"))
    assert {f["name"]: (f["self"], f["total"]) for f in doc["functions"]} == {
        "a": (6, 7),
        "b": (4, 4),
        "main": (0, 10),
    }


def test_convert_applies_transforms():
    out = ok("convert", RECURSION, "-o", "-", "--focus-root", "^b$")
    assert out.splitlines() == ["b 4", "b;a 2"]


def test_idle_share_is_shown(tmp_path):
    path = tmp_path / "idle.folded"
    path.write_text("(root);(idle) 60\n(root);work 30\n(root);gc 10\n")
    out = ok("top", path)
    assert out.splitlines()[1].startswith("idle 60 (60.0%), CPU 40")
    rows = {line.split()[-1]: line.split() for line in out.splitlines()[3:]}
    assert rows["work"][:3] == ["30", "30.0%", "75.0%"]
    assert rows["(idle)"][:2] == ["60", "60.0%"] and "%" not in rows["(idle)"][2]
    hot = ok("hotpaths", path)
    assert "cpu%" in hot.splitlines()[1]
    assert ok("top", path, "--no-idle", "--format", "csv").splitlines()[1] == "work,,,30,30,,work"


@pytest.mark.parametrize(
    "args, message",
    [
        (("--from-time", "1s"), "has no timestamps"),
        (("--from-time", "soon"), "not a time"),
        (("--focus", "("), "not a valid regular expression"),
        (("--thread", "nope"), "no such thread"),
    ],
)
def test_transform_errors_are_one_line(args, message):
    assert message in fails("top", RECURSION, *args)


def test_transforms_that_leave_nothing_say_so():
    err = fails("top", RECURSION, "--focus", "zzz", "--thread", "*")
    assert "no samples are left after --thread '*' --focus 'zzz'" in err


def test_describe_transform_options():
    from flamekit.transforms import TransformOptions

    options = TransformOptions(from_ns=1_500_000_000, exclude=("a", "b"), invert=True)
    assert options.describe() == "--from-time 1.5s --exclude 'a' --exclude 'b' --invert"


def test_hotpaths_threshold_and_critical_threshold(tmp_path):
    path = tmp_path / "spread.folded"
    path.write_text("".join(f"main;loop;f{i} 1\n" for i in range(10)) + "main;other 2\n")
    doc = json.loads(ok("hotpaths", path, "-n", "1", "--threshold", "50", "--format", "json"))
    assert [f["name"] for f in doc["paths"][0]["frames"]] == ["main", "loop"]
    assert doc["paths"][0]["weight"] == 10 and doc["threshold"] == 0.5
    doc = json.loads(ok("hotpaths", path, "--critical", "--threshold", "90", "--format", "json"))
    assert [f["name"] for f in doc["frames"]] == ["main"]
    doc = json.loads(ok("hotpaths", path, "--critical", "--format", "json"))
    assert [f["name"] for f in doc["frames"]] == ["main", "loop"]
