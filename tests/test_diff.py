"""flamekit diff: matching, statistics against a plain-Python reference, outputs and gates."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from statistics import NormalDist

import pytest

import flamekit
from flamekit.analyze.diff import DiffOptions, diff_profiles
from flamekit.builder import ProfileBuilder

from .conftest import ROOT, run_cli

DIFF_SAMPLES = ROOT / "samples" / "diff"
RECURSION = ROOT / "tests/data/recursion.folded"
KEYS = {
    "name",
    "file",
    "self_before",
    "self_after",
    "total_before",
    "total_after",
    "delta_self_pct",
    "delta_total_pct",
    "p_value",
    "significant",
    # issue 17: the interval, what kind of change it is, and (fleet diffs) the effect size
    "idle",
    "self_ci_low",
    "self_ci_high",
    "ci_low",
    "ci_high",
    "verdict",
    "effect_self",
    "effect_total",
    "time_significant",
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- a reference written separately from the code under test --------------------------------


def ref_weights(folded: str) -> tuple[Counter, Counter, float]:
    """Self and total per function name from folded text (a function counts once per stack)."""
    self_, total = Counter(), Counter()
    grand = 0.0
    for line in folded.splitlines():
        if not line.strip():
            continue
        stack, count = line.rsplit(" ", 1)
        c = float(count)
        frames = stack.split(";")
        self_[frames[-1]] += c
        for name in set(frames):
            total[name] += c
        grand += c
    return self_, total, grand


def ref_diff(before: str, after: str, alpha: float = 0.01) -> dict:
    """name -> (delta_self, delta_total, significant_self, significant_total), normalized mode.

    Agresti–Caffo standard error of the difference in proportions, Bonferroni over every
    test where either side has samples and the function is not in every sample of both sides.
    """
    sb, tb, nb = ref_weights(before)
    sa, ta, na = ref_weights(after)
    names = set(tb) | set(ta)
    tests = []
    for name in names:
        for kind, b, a in (("self", sb[name], sa[name]), ("total", tb[name], ta[name])):
            if b + a == 0 or (b == nb and a == na):
                continue
            tests.append((name, kind, b, a))
    m = len(tests)
    z = NormalDist().inv_cdf(1 - alpha / (2 * m))
    out = {n: {"self": (0.0, False), "total": (0.0, False)} for n in names}
    for name, kind, b, a in tests:
        pb, pa = (b + 1) / (nb + 2), (a + 1) / (na + 2)
        se = math.sqrt(pb * (1 - pb) / (nb + 2) + pa * (1 - pa) / (na + 2))
        out[name][kind] = (100 * (a / na - b / nb), abs(pa - pb) > z * se)
    for name in names:
        for kind, (b, a) in (("self", (sb[name], sa[name])), ("total", (tb[name], ta[name]))):
            if out[name][kind] == (0.0, False):
                out[name][kind] = (100 * (a / na - b / nb), False)
    return out


def synthetic_pair(shift: int) -> tuple[str, str]:
    """BEFORE and AFTER folded text where ``parse`` gains ``shift`` samples from ``render``."""
    before = "main;parse;lex 300\nmain;parse 200\nmain;render 400\nmain;render;parse 50\nmain 50\n"
    after = (
        f"main;parse;lex 300\nmain;parse {200 + shift}\nmain;render {400 - shift}\n"
        "main;render;parse 50\nmain 50\n"
    )
    return before, after


@pytest.mark.parametrize("shift", [0, 5, 40, 120])
def test_statistics_match_reference(tmp_path, shift):
    before, after = synthetic_pair(shift)
    b = write(tmp_path, "b.folded", before)
    a = write(tmp_path, "a.folded", after)
    result = diff_profiles(flamekit.load(str(b)), flamekit.load(str(a)))
    ref = ref_diff(before, after)
    got = {f.name: f for f in result.functions()}
    assert set(got) == set(ref)
    for name, f in got.items():
        assert f.self.delta == pytest.approx(ref[name]["self"][0], abs=1e-9), name
        assert f.total.delta == pytest.approx(ref[name]["total"][0], abs=1e-9), name
        assert f.self.significant == ref[name]["self"][1], name
        assert f.total.significant == ref[name]["total"][1], name
    if shift >= 120:
        assert got["parse"].significant and got["render"].significant
    if shift <= 5:
        assert not any(f.significant for f in got.values())


def test_recursion_counts_once_in_total(tmp_path):
    text = RECURSION.read_text()
    _, total, grand = ref_weights(text)
    result = diff_profiles(flamekit.load(str(RECURSION)), flamekit.load(str(RECURSION)))
    for f in result.functions():
        assert f.total.before == total[f.name]
        assert f.total.before_pct == pytest.approx(100 * total[f.name] / grand)


def timed_profile(samples: list[tuple[list[str], int]]):
    """A nanosecond-weighted profile, one sample row per (stack, weight)."""
    b = ProfileBuilder("test", unit="nanoseconds")
    for stack, weight in samples:
        node = b.stack_path([b.frame(n) for n in stack])
        b.sample(node, weight)
    return b.build()


def test_significance_uses_sample_counts_not_nanoseconds():
    """One enormous sample is 91% of AFTER's time but only one sample: never significant."""
    before = timed_profile([(["main", "work"], 1_000_000)] * 100)
    after = timed_profile([(["main", "work"], 1_000_000)] * 99 + [(["main", "stall"], 10**9)])
    result = diff_profiles(before, after)
    stall = next(f for f in result.functions() if f.name == "stall")
    assert stall.self.delta > 90
    assert not stall.significant
    assert result.before.samples == 100 and result.after.samples == 100
    # and the same share carried by many samples is significant
    many = timed_profile(
        [(["main", "work"], 1_000_000)] * 10 + [(["main", "stall"], 10_000_000)] * 90
    )
    stall = next(f for f in diff_profiles(before, many).functions() if f.name == "stall")
    assert stall.significant and stall.total.delta > 90


# -- matching --------------------------------------------------------------------------------


def test_match_by_name_and_file_when_both_sides_have_files():
    def prof(rows):
        b = ProfileBuilder("test")
        for stack, count in rows:
            node = b.stack_path([b.frame(n, f, line=ln) for n, f, ln in stack])
            b.sample(node, count)
        return b.build()

    before = prof([([("main", "a.py", 1), ("util", "a.py", 10)], 10)])
    after = prof([([("main", "a.py", 2), ("util", "a.py", 20)], 5), ([("util", "b.py", 3)], 5)])
    funcs = {(f.name, f.file) for f in diff_profiles(before, after).functions()}
    # two functions named util: each is shown with its place
    assert funcs == {("main", "a.py"), ("util a.py", "a.py"), ("util b.py", "b.py")}
    lines = diff_profiles(before, after, DiffOptions(match_lines=True)).functions()
    utils = sorted(f.name for f in lines if f.name.startswith("util"))
    assert utils == ["util a.py:10", "util a.py:20", "util b.py:3"]
    # a side without files matches by name alone
    nofile = prof([([("main", "", 0), ("util", "", 0)], 10)])
    funcs = diff_profiles(nofile, after).functions()
    assert sorted(f.name for f in funcs) == ["main", "util"]
    util = next(f for f in funcs if f.name == "util")
    assert util.self.after == 10 and util.self.before == 10


def test_relative_and_absolute_paths_and_file_urls_match():
    def prof(file):
        b = ProfileBuilder("test")
        b.sample(b.stack_path([b.frame("main", file), b.frame("f", file)]), 7)
        return b.build()

    funcs = diff_profiles(prof("app/x.py"), prof("/srv/app/x.py")).functions()
    assert [(f.name, f.self.delta) for f in funcs if f.name == "f"] == [("f", 0.0)]
    funcs = diff_profiles(prof("file:///srv/app/x.js"), prof("/srv/app/x.js")).functions()
    assert len(funcs) == 2


def test_strip_hex(tmp_path):
    b = write(tmp_path, "b.folded", "main;0x7f00aa 10\n")
    a = write(tmp_path, "a.folded", "main;0x7f00bb 10\n")
    proc = run_cli("diff", b, a, "--format", "json")
    names = {f["name"] for f in json.loads(proc.stdout)["functions"]}
    assert names == {"main", "0x7f00aa", "0x7f00bb"}
    proc = run_cli("diff", b, a, "--format", "json", "--strip-hex")
    doc = json.loads(proc.stdout)
    assert {f["name"] for f in doc["functions"]} == {"main", "0x..."}
    assert all(f["delta_self_pct"] == 0 for f in doc["functions"])


# -- the command -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [RECURSION, ROOT / "samples/folded/deep.folded"])
def test_diff_with_itself_is_all_zero(path):
    proc = run_cli("diff", path, path, "--format", "json", "--fail-on", "0")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["normalized"] is True
    assert doc["functions"]
    for f in doc["functions"]:
        assert set(f) == KEYS
        assert f["delta_self_pct"] == 0 and f["delta_total_pct"] == 0
        assert f["self_before"] == f["self_after"] and f["total_before"] == f["total_after"]
        assert f["significant"] is False and f["p_value"] == 1.0


def test_json_shape_and_order(tmp_path):
    before, after = synthetic_pair(150)
    b = write(tmp_path, "b.folded", before)
    a = write(tmp_path, "a.folded", after)
    proc = run_cli("diff", b, a, "-o", tmp_path / "d.json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "d.json").read_text())
    assert set(doc) == {"before", "after", "normalized", "test", "alpha", "runs", "functions"}
    assert doc["test"] == "two-proportion-z" and doc["runs"] == {"before": 1, "after": 1}
    assert doc["before"] == {"total": 1000, "unit": "samples", "samples": 1000}
    assert doc["after"]["unit"] == "samples"
    funcs = doc["functions"]
    assert all(set(f) == KEYS for f in funcs)
    sig = [f for f in funcs if f["significant"]]
    assert [f["name"] for f in sig[:2]] == ["parse", "render"]
    assert funcs[: len(sig)] == sig  # significant changes come first

    def size(f):
        return max(abs(f["delta_self_pct"]), abs(f["delta_total_pct"]))

    assert [size(f) for f in sig] == sorted((size(f) for f in sig), reverse=True)
    parse = funcs[0]
    assert parse["self_before"] == 250 and parse["self_after"] == 400
    assert parse["delta_self_pct"] == pytest.approx(15.0)
    assert parse["p_value"] < 0.01


def test_text_says_normalized_and_lists_regressions(tmp_path):
    before, after = synthetic_pair(150)
    b = write(tmp_path, "b.folded", before)
    a = write(tmp_path, "a.folded", after)
    proc = run_cli("diff", b, a)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "normalized" in out
    regressions = out.split("Regressions by self:")[1].split("Improvements")[0]
    assert "parse" in regressions and "render" not in regressions
    proc = run_cli("diff", b.name, a.name, "--absolute", cwd=tmp_path)
    assert "absolute" in proc.stdout.decode() and "normalized" not in proc.stdout.decode()


def test_several_files_per_side_are_merged(tmp_path):
    before, after = synthetic_pair(150)
    b1 = write(tmp_path, "b1.folded", before)
    b2 = write(tmp_path, "b2.folded", before)
    a1 = write(tmp_path, "a1.folded", after)
    both = write(tmp_path, "bb.folded", before + before)
    merged = run_cli("diff", "--before", b1, "--before", b2, "--after", a1, "--format", "json")
    single = run_cli("diff", both, a1, "--format", "json")
    assert merged.returncode == 0, merged.stderr
    assert json.loads(merged.stdout)["functions"] == json.loads(single.stdout)["functions"]
    assert json.loads(merged.stdout)["before"]["total"] == 2000


def test_fail_on_gates(tmp_path):
    before, after = synthetic_pair(150)
    b = write(tmp_path, "b.folded", before)
    a = write(tmp_path, "a.folded", after)
    out = tmp_path / "d.md"
    proc = run_cli("diff", b, a, "--fail-on", "1", "-o", out)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert len(err.strip().splitlines()) == 1
    assert "parse" in err and "--fail-on 1" in err and "Traceback" not in err
    assert out.exists()  # the report is written before the gate fails
    assert run_cli("diff", b, a, "--fail-on", "20").returncode == 0  # +15 points < 20
    # noise never fails the gate, however low the threshold
    nb, na = synthetic_pair(5)
    nb_path = write(tmp_path, "nb.folded", nb)
    na_path = write(tmp_path, "na.folded", na)
    assert run_cli("diff", nb_path, na_path, "--fail-on", "0").returncode == 0


def test_fail_on_total(tmp_path):
    b = write(tmp_path, "b.folded", "main;work 1000\n")
    a = write(tmp_path, "a.folded", "main;work 1300\n")
    same = write(tmp_path, "s.folded", "main;work 1010\n")
    proc = run_cli("diff", b, a, "--absolute", "--fail-on-total", "10")
    assert proc.returncode == 1
    assert "total grew 30.0%" in proc.stderr.decode()
    assert run_cli("diff", b, a, "--absolute", "--fail-on-total", "40").returncode == 0
    assert run_cli("diff", b, same, "--absolute", "--fail-on-total", "0").returncode == 0


def test_absolute_mode_compares_raw_weights(tmp_path):
    b = write(tmp_path, "b.folded", "main;a 500\nmain;b 500\n")
    a = write(tmp_path, "a.folded", "main;a 1000\nmain;b 500\n")
    doc = json.loads(run_cli("diff", b, a, "--absolute", "--format", "json").stdout)
    assert doc["normalized"] is False
    funcs = {f["name"]: f for f in doc["functions"]}
    assert funcs["a"]["delta_self_pct"] == pytest.approx(50.0)  # points of BEFORE's total
    assert funcs["a"]["significant"] is True
    assert funcs["b"]["delta_self_pct"] == 0 and funcs["b"]["significant"] is False
    # normalized, b's share fell from 50% to 33%: a real change in share
    doc = json.loads(run_cli("diff", b, a, "--format", "json").stdout)
    funcs = {f["name"]: f for f in doc["functions"]}
    assert funcs["b"]["delta_self_pct"] == pytest.approx(100 / 3 - 50)
    assert funcs["b"]["significant"] is True


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.folded", "x.folded"], "missing.folded"),
        (["a.folded"], "not 1"),
        (["a.folded", "a.folded", "--before", "a.folded"], "not both"),
        (["a.folded", "a.folded", "-o", "out.xyz"], "out.xyz"),
        (["a.folded", "bad.folded"], "bad.folded:2"),
        (["a.folded", "a.folded", "--alpha", "2"], "alpha"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    write(tmp_path, "a.folded", "main;a 5\n")
    write(tmp_path, "bad.folded", "main;a 5\nmain;b five\n")
    proc = run_cli("diff", *args, cwd=tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.xyz").exists()


def test_absolute_refuses_different_units(tmp_path):
    a = write(tmp_path, "a.folded", "main;a 5\n")
    prof = timed_profile([(["main", "a"], 1000)])
    from flamekit.errors import UsageError

    with pytest.raises(UsageError, match="absolute"):
        diff_profiles(flamekit.load(str(a)), prof, DiffOptions(absolute=True))


def test_public_api():
    p = flamekit.load(str(RECURSION))
    result = flamekit.diff(p, p, strip_hex=True)
    assert result.normalized and all(f.self.delta == 0 for f in result.functions())


# -- markdown ------------------------------------------------------------------------------


def markdown_rows(text: str) -> list[list[str]]:
    """The cells of every table row, splitting on unescaped pipes as GFM does."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            rows.append([c.strip() for c in cells])
    return rows


def test_markdown_escapes_hostile_names(tmp_path):
    hostile = "a|b `code` <img src=x onerror=alert(1)> *bold* [link](http://x)"
    b = write(tmp_path, "b.folded", "main;ok 500\n")
    a = write(tmp_path, "a.folded", f"main;ok 100\nmain;{hostile} 400\n")
    proc = run_cli("diff", b, a, "--format", "markdown")
    assert proc.returncode == 0, proc.stderr
    md = proc.stdout.decode()
    rows = markdown_rows(md)
    widths = {len(r) for r in rows if len(r) > 4}
    assert widths == {7}, rows
    # the name is one code span (literal text), its pipe escaped for the table
    assert any(
        r[0] == "``a\\|b `code` <img src=x onerror=alert(1)> *bold* [link](http://x)``"
        for r in rows
    )
    import cmarkgfm
    from cmarkgfm.cmark import Options

    html = cmarkgfm.github_flavored_markdown_to_html(md, options=Options.CMARK_OPT_UNSAFE)
    assert (
        "<code>a|b `code` &lt;img src=x onerror=alert(1)&gt; *bold* [link](http://x)</code>" in html
    )
    assert "<img" not in html and "<a " not in html


def golden_check(name: str, text: str) -> None:
    import os

    path = ROOT / "tests" / "golden" / name
    if os.environ.get("FLAMEKIT_BLESS"):
        path.write_text(text)
    assert path.exists(), f"{path} missing: run with FLAMEKIT_BLESS=1"
    assert text == path.read_text()


def test_markdown_golden_synthetic(tmp_path):
    before, after = synthetic_pair(150)
    write(tmp_path, "before.folded", before)
    write(tmp_path, "after.folded", after + "main;new|`fn` 30\n")
    proc = run_cli("diff", "before.folded", "after.folded", "--format", "markdown", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    golden_check("diff-synthetic.md", proc.stdout.decode())


def test_markdown_golden_absolute(tmp_path):
    write(tmp_path, "before.folded", "main;a 500\nmain;b 500\n")
    write(tmp_path, "after.folded", "main;a 1000\nmain;b 500\n")
    args = ["diff", "before.folded", "after.folded", "--absolute", "--format", "markdown"]
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    golden_check("diff-absolute.md", proc.stdout.decode())


# -- differential flame graph ---------------------------------------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_frames(svg_text: str) -> dict[str, list[tuple[str, str, float]]]:
    """name -> [(fill, tooltip, width)] for every drawn frame of a flame graph SVG."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg_text.encode())
    out: dict[str, list] = {}
    group = root.find(f".//{SVG_NS}g[@class='fk-frames']")
    for g in group.findall(f"{SVG_NS}g"):
        title = g.find(f"{SVG_NS}title").text
        rect = g.find(f"{SVG_NS}rect")
        name = title.split(" (")[0].split(" ")[0]
        out.setdefault(name, []).append((rect.get("fill"), title, float(rect.get("width"))))
    return out


def diff_svg(tmp_path, before: str, after: str, *args: str) -> str:
    b = write(tmp_path, "b.folded", before)
    a = write(tmp_path, "a.folded", after)
    out = tmp_path / "d.svg"
    proc = run_cli("diff", b.name, a.name, "-o", out.name, *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return out.read_text()


def red(fill: str) -> bool:
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return r == 255 and g == b < 255


def blue(fill: str) -> bool:
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return b == 255 and r == g < 255


def test_diff_svg_colours_and_tooltips(tmp_path):
    before, after = synthetic_pair(150)
    before += "main;old 100\n"
    svg = diff_svg(tmp_path, before, after)
    frames = svg_frames(svg)
    (parse_fill, parse_title, _), (nested_fill, _, _) = sorted(frames["parse"], key=lambda x: -x[2])
    assert red(parse_fill)
    assert nested_fill == "#ffffff"  # main;render;parse: 50 → 50 samples, within noise
    assert blue(frames["render"][0][0])
    assert frames["lex"][0][0] == "#ffffff" and frames["main"][0][0] == "#ffffff"
    assert "before: total" in parse_title and "after: total" in parse_title
    assert "change: total +" in parse_title and "significance: self change significant" in (
        parse_title
    )
    assert "within noise" in frames["lex"][0][1]
    # the largest significant change drawn (parse's self, +16.8 points) is at full intensity;
    # render's (-11.4 points) proportionally fainter
    assert parse_fill == "#ff0000"
    d_parse = 350 / 1000 - 200 / 1100
    d_render = 400 / 1100 - 250 / 1000
    fade = round(255 * (1 - (0.15 + 0.85 * d_render / d_parse)))
    assert frames["render"][0][0] == f"#{fade:02x}{fade:02x}ff"
    assert "old" not in frames
    assert re.search(r"1 call path only in before \(9\.09% of before; largest: old\)", svg)
    assert "normalized shares" in svg


def test_diff_svg_color_by_total_and_negate(tmp_path):
    before, after = synthetic_pair(150)
    before += "main;old 100\n"
    svg = diff_svg(tmp_path, before, after, "--color-by", "total")
    frames = svg_frames(svg)
    assert frames["main"][0][0] == "#ffffff"  # 100% on both sides
    assert "total change significant" in frames["parse"][0][1]
    negated = svg_frames(diff_svg(tmp_path, before, after, "--negate"))
    assert blue(negated["old"][0][0])  # only in BEFORE: it shrank to nothing
    assert "no call path only in after" in diff_svg(tmp_path, before, after, "--negate")


def test_diff_svg_escapes_hostile_names(tmp_path):
    hostile = '<script>alert(1)</script>"&'
    svg = diff_svg(tmp_path, "main;a 100\n", f"main;a 50\nmain;{hostile} 50\n")
    assert "<script>alert" not in svg
    frames = svg_frames(svg)  # well-formed XML
    assert any(hostile in t for fills in frames.values() for _, t, _ in fills)


def test_diff_html_page(tmp_path):
    b = write(tmp_path, "b.folded", "main;a 100\n")
    a = write(tmp_path, "a.folded", "main;a 50\nmain;b 50\n")
    proc = run_cli("diff", b, a, "-o", tmp_path / "d.html", "--format", "markdown")
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "d.html").read_text()
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "Differential Flame Graph" in page
    assert proc.stdout.decode().startswith("### flamekit diff")  # the summary still printed


def clumped_profile(block_shares: list[float], block: int = 50):
    """A timed profile sampled in order: each block of ``block`` samples runs ``a`` for its
    share, then ``b`` (clumps, as when a process is descheduled and sampled in one place)."""
    b = ProfileBuilder("perf", unit="samples")
    main = b.frame("main")
    nodes = {n: b.stack_path([main, b.frame(n)]) for n in "ab"}
    t = 0
    for share in block_shares:
        k = round(share * block)
        for i in range(block):
            t += 1_000_000
            b.sample(nodes["a" if i < k else "b"], 1, time=t)
    return b.build()


def test_clumped_runs_use_the_spread_between_blocks():
    before_shares = [0.0, 0.8] * 10
    after_shares = [0.2, 0.8] * 10
    result = diff_profiles(clumped_profile(before_shares), clumped_profile(after_shares))
    a = next(f for f in result.functions() if f.name == "a")
    assert a.self.delta == pytest.approx(10.0)

    # reference: binomial (Agresti–Caffo) vs batch-means variance per side, the larger wins
    def side_var(shares, n=1000):
        count = sum(round(s * 50) for s in shares)
        p = (count + 1) / (n + 2)
        binom = p * (1 - p) / (n + 2)
        mean = sum(shares) / len(shares)
        batch = sum((s - mean) ** 2 for s in shares) / (len(shares) - 1) / len(shares)
        return max(binom, batch)

    se = math.sqrt(side_var(before_shares) + side_var(after_shares)) * 100
    z = NormalDist().inv_cdf(1 - 0.01 / (2 * 4))  # a and b, self and total
    assert (a.self.high - a.self.low) / 2 == pytest.approx(z * se)
    assert not a.significant  # +10 points, but the runs wander by more than that
    # the same totals without clumps (aggregated folded stacks) would be called significant
    binomial_se = math.sqrt(
        sum(
            (lambda p: p * (1 - p) / 1002)((c + 1) / 1002)
            for c in (sum(round(s * 50) for s in before_shares), 500)
        )
    )
    assert z * binomial_se * 100 < 10.0


def test_transform_options_apply_to_both_sides(tmp_path):
    before, after = synthetic_pair(150)
    b = write(tmp_path, "b.folded", before)
    a = write(tmp_path, "a.folded", after)
    doc = json.loads(run_cli("diff", b, a, "--exclude", "^render$", "--format", "json").stdout)
    funcs = {f["name"]: f for f in doc["functions"]}
    assert "render" not in funcs
    # only main;parse;lex, main;parse and main (and no render;parse) are left on each side
    assert doc["before"]["total"] == 550 and doc["after"]["total"] == 700
    assert funcs["parse"]["total_before"] == 500 and funcs["parse"]["total_after"] == 650
