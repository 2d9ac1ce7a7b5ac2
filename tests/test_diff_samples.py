"""flamekit diff on real before/after recordings (samples/diff, recorded from diffwork.py/.js).

The AFTER runs do three times the work in ``parse``; the two runs of each side are unchanged
re-runs of the same program.
"""

from __future__ import annotations

import json

import pytest

from .conftest import ROOT, run_cli

DIFF = ROOT / "samples" / "diff"
SIDES = {
    "js": ("js-{}.cpuprofile", "/srv/app/diffwork.js"),
    "py": ("py-{}.speedscope.json", "/srv/app/diffwork.py"),
}


def path(lang: str, run: str):
    return DIFF / SIDES[lang][0].format(run)


def diff_json(*args):
    proc = run_cli("diff", *args, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout), proc


@pytest.mark.parametrize("lang", ["js", "py"])
@pytest.mark.parametrize("run", ["1", "2"])
def test_slowed_function_tops_the_regressions(lang, run):
    doc, _ = diff_json(path(lang, f"before-{run}"), path(lang, f"after-{run}"))
    funcs = doc["functions"]
    top = funcs[0]
    assert top["name"] == "parse" and top["file"] == SIDES[lang][1]
    assert top["significant"] and top["p_value"] < 0.001
    assert top["delta_total_pct"] > 10
    by_total = max(funcs, key=lambda f: f["delta_total_pct"])
    by_self = max(funcs, key=lambda f: f["delta_self_pct"])
    assert by_total["name"] == "parse"
    # Python spends parse's own time in its generator expression
    assert by_self["name"] in ("parse", "parse.<locals>.<genexpr>") and by_self["significant"]
    proc = run_cli(
        "diff", path(lang, f"before-{run}"), path(lang, f"after-{run}"), "--fail-on", "1"
    )
    assert proc.returncode == 1
    assert proc.stderr.decode().startswith("flamekit: error: parse (")


@pytest.mark.parametrize("lang", ["js", "py"])
def test_merged_runs_per_side(lang):
    args = []
    for run in ("1", "2"):
        args += ["--before", path(lang, f"before-{run}"), "--after", path(lang, f"after-{run}")]
    doc, _ = diff_json(*args)
    single, _ = diff_json(path(lang, "before-1"), path(lang, "after-1"))
    assert doc["functions"][0]["name"] == "parse" and doc["functions"][0]["significant"]
    assert doc["before"]["samples"] > single["before"]["samples"]


@pytest.mark.parametrize("lang", ["js", "py"])
@pytest.mark.parametrize("side", ["before", "after"])
def test_unchanged_reruns_show_no_significant_change(lang, side):
    a, b = path(lang, f"{side}-1"), path(lang, f"{side}-2")
    doc, _ = diff_json(a, b)
    assert doc["normalized"] is True
    assert not [f["name"] for f in doc["functions"] if f["significant"]]
    assert any(f["delta_self_pct"] != 0 for f in doc["functions"])  # real runs do differ
    proc = run_cli("diff", a, b, "--fail-on", "1")
    assert proc.returncode == 0, proc.stderr
    assert "none significant" in proc.stdout.decode()


@pytest.mark.parametrize("lang", ["js", "py"])
def test_profile_against_itself(lang):
    p = path(lang, "after-1")
    doc, proc = diff_json(p, p, "--fail-on", "0")
    assert proc.returncode == 0
    for f in doc["functions"]:
        assert f["delta_self_pct"] == 0 and f["delta_total_pct"] == 0 and not f["significant"]


@pytest.mark.parametrize("lang", ["js", "py"])
def test_cross_format_against_speedscope_export(lang, tmp_path):
    source = path(lang, "after-1")
    exported = tmp_path / "same.speedscope.json"
    proc = run_cli("convert", source, "-o", exported)
    assert proc.returncode == 0, proc.stderr
    doc, proc = diff_json(source, exported, "--fail-on", "0")
    assert proc.returncode == 0, proc.stderr
    assert doc["before"]["total"] == doc["after"]["total"]
    assert doc["functions"]
    for f in doc["functions"]:
        assert f["self_before"] == f["self_after"], f
        assert f["total_before"] == f["total_after"], f
        assert f["delta_self_pct"] == 0 and f["delta_total_pct"] == 0
        assert not f["significant"]


def test_absolute_mode_and_total_gate():
    before, after = path("js", "before-1"), path("js", "after-1")
    doc, _ = diff_json(before, after, "--absolute")
    assert doc["normalized"] is False
    parse = doc["functions"][0]
    assert parse["name"] == "parse" and parse["significant"]
    assert parse["self_after"] > 2.5 * parse["self_before"]  # three times the work
    proc = run_cli("diff", before, after, "--absolute", "--fail-on-total", "50")
    assert proc.returncode == 1
    assert "total grew" in proc.stderr.decode()
    same = run_cli("diff", before, path("js", "before-2"), "--absolute", "--fail-on-total", "10")
    assert same.returncode == 0, same.stderr


def test_differential_flamegraph_of_real_runs(tmp_path):
    from .test_diff import red, svg_frames

    out = tmp_path / "diff.svg"
    proc = run_cli("diff", path("js", "before-1"), path("js", "after-1"), "-o", out)
    assert proc.returncode == 0, proc.stderr
    frames = svg_frames(out.read_text())
    fill, title, _ = max(frames["parse"], key=lambda f: f[2])
    assert fill == "#ff0000"  # parse's self share grew the most of all paths
    assert "significance: self change significant" in title
    assert any(red(f) or f == "#ffffff" for f, _, _ in frames["main"])
