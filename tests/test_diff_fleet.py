"""Fleet diffs (3+ runs a side, runs as observations) and the diff's presentation."""

from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pytest
from scipy import stats

from flamekit.analyze.diff.fleet import welch

from .conftest import run_cli, sample

FLEET = sample("diff", "fleet")


def fleet_json(before: str, after: str, *extra: str) -> dict:
    proc = run_cli(
        "diff", "--before", FLEET / before, "--after", FLEET / after, "--format", "json", *extra
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def welch_reference(xb: list[float], xa: list[float]) -> tuple[float, float]:
    """Welch's t and Welch–Satterthwaite degrees of freedom, in plain Python."""
    vb, va = statistics.variance(xb) / len(xb), statistics.variance(xa) / len(xa)
    t = (statistics.fmean(xa) - statistics.fmean(xb)) / math.sqrt(vb + va)
    df = (vb + va) ** 2 / (vb**2 / (len(xb) - 1) + va**2 / (len(xa) - 1))
    return t, df


def test_welch_matches_a_plain_reference_and_scipys_own_test():
    rng = np.random.default_rng(7)
    xb = rng.normal(10, 1, size=(6, 3))
    xa = rng.normal(11, 3, size=(9, 3))
    tests, alpha = 4, 0.05
    diff, p, low, high, g = welch(xb, xa, alpha, tests)
    for j in range(3):
        t, df = welch_reference(xb[:, j].tolist(), xa[:, j].tolist())
        assert diff[j] == pytest.approx(xa[:, j].mean() - xb[:, j].mean())
        assert p[j] == pytest.approx(min(1.0, tests * 2 * stats.t.sf(abs(t), df)))
        res = stats.ttest_ind(xa[:, j], xb[:, j], equal_var=False)
        assert p[j] == pytest.approx(min(1.0, tests * res.pvalue))
        ci = res.confidence_interval(1 - alpha / tests)
        assert (low[j], high[j]) == pytest.approx((ci.low, ci.high))
        pooled = math.sqrt((5 * xb[:, j].var(ddof=1) + 8 * xa[:, j].var(ddof=1)) / 13)
        assert g[j] == pytest.approx(diff[j] / pooled * (1 - 3 / (4 * 15 - 9)))


def test_welch_without_spread_is_certain_or_nothing():
    xb = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    xa = np.array([[1.0, 3.0], [1.0, 3.0], [1.0, 3.0]])
    diff, p, low, high, _g = welch(xb, xa, 0.01, 2)
    assert p.tolist() == [1.0, 0.0] and diff.tolist() == [0.0, 1.0]
    assert (low[1], high[1]) == (1.0, 1.0)


def test_ten_runs_where_parse_does_twice_the_work_make_it_the_top_regression():
    doc = fleet_json("before-*", "after-*")
    assert doc["test"] == "welch-t" and doc["runs"] == {"before": 10, "after": 10}
    funcs = doc["functions"]
    regressions = [f for f in funcs if f["verdict"]["total"] == "regression"]
    assert regressions[0]["name"] == "parse" and regressions[0]["significant"]
    parse = regressions[0]
    assert 0 < parse["ci_low"] <= parse["delta_total_pct"] <= parse["ci_high"]
    assert parse["time_significant"] == {"self": True, "total": True}
    assert parse["effect_total"] > 2  # runs apart by more than two standard deviations
    # parse doubled: its mean time a run about doubles (the machine's noise aside)
    assert 1.6 < parse["total_after"] / parse["total_before"] < 2.5
    assert not any(f["verdict"]["total"] == "improvement" for f in funcs)


def test_ten_against_ten_unchanged_runs_show_nothing_significant():
    doc = fleet_json("before-*", "same-*")
    assert doc["test"] == "welch-t"
    assert [f["name"] for f in doc["functions"] if f["significant"]] == []
    assert all(f["ci_low"] <= 0 <= f["ci_high"] for f in doc["functions"])


def test_fewer_than_three_runs_a_side_fall_back_to_the_sample_test():
    proc = run_cli(
        "diff",
        *(
            "--before",
            FLEET / "before-01.cpuprofile.gz",
            "--before",
            FLEET / "before-02.cpuprofile.gz",
        ),
        *("--after", FLEET / "after-01.cpuprofile.gz", "--after", FLEET / "after-02.cpuprofile.gz"),
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["test"] == "two-proportion-z" and doc["runs"] == {"before": 1, "after": 1}
    assert all(f["effect_total"] is None for f in doc["functions"])


def test_fleet_text_names_the_test_and_prints_intervals_as_ranges():
    proc = run_cli("diff", "--before", FLEET / "before-*", "--after", FLEET / "after-*")
    text = proc.stdout.decode()
    assert "Welch's t-test" in text and "10 and 10 runs" in text and "±" not in text
    assert "and 8 more (10 runs)" in text
    row = next(line for line in text.splitlines() if line.rstrip().endswith("parse"))
    low, high = (float(x) for x in row.split("[")[1].split("]")[0].split(","))
    assert 0 < low < high


def write(tmp_path, name: str, lines: dict[str, int]):
    path = tmp_path / name
    path.write_text("".join(f"{stack} {count}\n" for stack, count in lines.items()))
    return path


def diff_text(tmp_path, before: dict, after: dict, *extra: str) -> tuple[str, dict]:
    b, a = write(tmp_path, "b.folded", before), write(tmp_path, "a.folded", after)
    text = run_cli("diff", b, a, *extra)
    doc = run_cli("diff", b, a, "--format", "json", *extra)
    assert text.returncode == 0 and doc.returncode == 0, text.stderr
    return text.stdout.decode(), json.loads(doc.stdout)


def section(text: str, title: str) -> str:
    """The lines of a summary section, up to the next blank line."""
    start = text.index(title)
    end = text.find("\n\n", start)
    return text[start : end if end >= 0 else None]


def test_idle_is_reported_on_its_own_line_never_as_a_change(tmp_path):
    before = {"main;(idle)": 200, "main;work": 800}
    after = {"main;(idle)": 600, "main;work": 800}
    text, doc = diff_text(tmp_path, before, after)
    idle = next(f for f in doc["functions"] if f["name"] == "(idle)")
    assert idle["idle"] and idle["significant"]  # a real change, but of idle time
    assert "(idle): 20.0% → 42.9% of the total (+22.9 [" in text
    for title in ("Regressions by self:", "Regressions by total:"):
        assert "(idle)" not in section(text, title)


def test_a_share_that_fell_only_because_another_grew_is_no_improvement(tmp_path):
    before = {"main;steady": 500, "main;grows": 500}
    after = {"main;steady": 500, "main;grows": 2000}
    text, doc = diff_text(tmp_path, before, after)
    steady = next(f for f in doc["functions"] if f["name"] == "steady")
    assert steady["significant"] and steady["verdict"]["self"] == "share"
    assert steady["time_significant"] == {"self": False, "total": False}
    assert "none significant" in section(text, "Improvements by self:")
    moved = section(text, "Share fell by self, time did not (other functions grew):")
    assert "steady" in moved
    assert "grows" in section(text, "Regressions by self:")
    assert "totals differ 2.5x (AFTER ran longer)" in text and "--absolute" in text


def test_absolute_diffs_have_no_share_only_section_and_no_totals_note(tmp_path):
    before = {"main;steady": 500, "main;grows": 500}
    after = {"main;steady": 500, "main;grows": 2000}
    text, doc = diff_text(tmp_path, before, after, "--absolute")
    assert "Share fell" not in text and "totals differ" not in text
    assert doc["test"] == "poisson-rate"
    assert all(f["time_significant"] is None for f in doc["functions"])


def test_gates_of_a_fleet_diff_test_across_runs():
    args = ("diff", "--before", FLEET / "before-*", "--after", FLEET / "after-*")
    proc = run_cli(*args, "--fail-on", "5", "--format", "json")
    assert proc.returncode == 1
    assert "parse" in proc.stderr.decode() and "exceeds --fail-on 5" in proc.stderr.decode()
    proc = run_cli(*args, "--fail-on-total", "10", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert "Welch's t-test across runs" in proc.stderr.decode()
    same = ("diff", "--before", FLEET / "before-*", "--after", FLEET / "same-*")
    proc = run_cli(*same, "--fail-on", "1", "--fail-on-total", "10", "--format", "json")
    assert proc.returncode == 0, proc.stderr
