"""Flame graph layout, markup and options, checked against plain-Python reference sums."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flamekit
from flamekit.errors import UsageError
from flamekit.render import colors
from flamekit.render.flame import (
    FlameOptions,
    build_flamegraph,
    display_text,
    fit_label,
    render_html,
    render_svg,
)
from tests.conftest import run_cli

DATA = Path(__file__).parent / "data"
NS = {"s": "http://www.w3.org/2000/svg"}


def folded_paths(text: str) -> dict[tuple[str, ...], float]:
    """Reference: total weight of every stack prefix, summed straight from the folded lines."""
    totals: dict[tuple[str, ...], float] = defaultdict(float)
    for line in text.splitlines():
        stack, count = line.rsplit(None, 1)
        frames = tuple(stack.split(";"))
        for i in range(1, len(frames) + 1):
            totals[frames[:i]] += float(count)
    return dict(totals)


def write(tmp_path: Path, text: str, name: str = "p.folded") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


RANDOM_FOLDED = "\n".join(
    f"{';'.join(f'f{(i * 7 + d * 3) % 5}' for d in range(1 + i % 6))} {1 + (i * 13) % 17}"
    for i in range(60)
)


@pytest.mark.parametrize("name", ["recursion.folded", "names.folded", "fractional.folded"])
def test_layout_matches_reference_sums_and_name_order(name):
    text = (DATA / name).read_text(encoding="utf-8")
    ref = folded_paths(text)
    profile = flamekit.load([str(DATA / name)])
    graph = build_flamegraph(profile, FlameOptions(minwidth="0"))
    lay = graph.layout
    assert lay.grand_total == pytest.approx(sum(v for k, v in ref.items() if len(k) == 1))
    assert len(lay) == len(ref) + 1
    x0_of = {}
    for i in range(1, len(lay)):
        path = tuple(profile.stack_names(int(lay.node[i])))
        assert lay.total[i] == pytest.approx(ref[path])
        assert lay.depth[i] == len(path)
        x0_of[path] = lay.x0[i]
    for path, x0 in x0_of.items():
        before = sum(
            v for k, v in ref.items() if len(k) == len(path) and k[:-1] == path[:-1] and k < path
        )
        base = x0_of[path[:-1]] if len(path) > 1 else 0
        assert x0 == pytest.approx(base + before)


def test_subtree_ends_and_parents_are_consistent():
    profile = flamekit.load([str(DATA / "recursion.folded")])
    lay = build_flamegraph(profile, FlameOptions(minwidth="0")).layout
    for i in range(1, len(lay)):
        p = int(lay.parent[i])
        assert p < i and lay.end[p] >= lay.end[i]
        assert lay.depth[p] == lay.depth[i] - 1
        inside = [j for j in range(len(lay)) if i < j <= lay.end[i]]
        assert all(lay.depth[j] > lay.depth[i] for j in inside)


def test_svg_frames_carry_titles_and_widths(tmp_path):
    path = write(tmp_path, RANDOM_FOLDED + "\n")
    ref = folded_paths(RANDOM_FOLDED)
    grand = sum(v for k, v in ref.items() if len(k) == 1)
    svg = render_svg(flamekit.load([str(path)]), FlameOptions(minwidth="0", js=False))
    root = ET.fromstring(svg.encode())
    groups = root.findall("s:g[@class='fk-frames']/s:g", NS)
    assert len(groups) == len(ref) + 1
    widths = defaultdict(float)
    for g in groups:
        title = g.find("s:title", NS).text
        m = re.match(r"^(\S+) \(([\d,]+) samples, ([\d.]+)%\)$", title)
        assert m, title
        count = int(m.group(2).replace(",", ""))
        assert float(m.group(3)) == pytest.approx(100 * count / grand, abs=0.005)
        width = float(g.find("s:rect", NS).get("width"))
        assert width == pytest.approx(count * 1180 / grand, abs=0.051)
        widths[m.group(1)] += count
    assert widths["all"] == grand


def test_minwidth_leaves_out_narrow_frames_and_says_so(tmp_path):
    lines = ["main;big 1000"] + [f"main;small{i} 1" for i in range(10)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    profile = flamekit.load([str(path)])
    lay = build_flamegraph(profile, FlameOptions(minwidth="0.5%")).layout
    # each small frame is 1/1010 < 0.5% of the total: all ten are left out
    assert lay.omitted_frames == 10
    assert lay.omitted_weight == 10
    svg = render_svg(profile, FlameOptions(minwidth="0.5%", js=False))
    assert "10 frames narrower than 0.5% not drawn (0.99% of samples)" in svg
    # in pixels: 1 sample is 1180/1010 px wide; 2 px leaves them out, 1 px keeps them
    assert build_flamegraph(profile, FlameOptions(minwidth="2")).layout.omitted_frames == 10
    assert build_flamegraph(profile, FlameOptions(minwidth="1")).layout.omitted_frames == 0
    with pytest.raises(UsageError):
        build_flamegraph(profile, FlameOptions(minwidth="wide"))


def test_inverted_puts_roots_at_the_top(tmp_path):
    path = write(tmp_path, "a;b;c 3\na;d 1\n")
    profile = flamekit.load([str(path)])

    def ys(svg):
        root = ET.fromstring(svg.encode())
        out = {}
        for g in root.findall("s:g[@class='fk-frames']/s:g", NS):
            out[g.find("s:title", NS).text.split(" ")[0]] = float(g.find("s:rect", NS).get("y"))
        return out

    up = ys(render_svg(profile, FlameOptions(js=False)))
    down = ys(render_svg(profile, FlameOptions(js=False, inverted=True)))
    assert up["all"] > up["a"] > up["b"] > up["c"]
    assert down["all"] < down["a"] < down["b"] < down["c"]
    assert "Icicle Graph" in render_svg(profile, FlameOptions(js=False, inverted=True))


def test_reverse_puts_leaves_first(tmp_path):
    path = write(tmp_path, "a;b;c 3\nx;b;c 2\na;d 1\n")
    profile = flamekit.load([str(path)])
    graph = build_flamegraph(profile, FlameOptions(reverse=True, minwidth="0"))
    lay = graph.layout
    got = {}
    for i in range(1, len(lay)):
        chain = []
        j = i
        while j > 0:
            chain.append(graph.names[j])
            j = int(lay.parent[j])
        got[tuple(reversed(chain))] = lay.total[i]
    assert got[("c",)] == 5
    assert got[("c", "b")] == 5
    assert got[("c", "b", "a")] == 3
    assert got[("c", "b", "x")] == 2
    assert got[("d", "a")] == 1
    assert len(got) == 6


def test_flamechart_needs_timestamps_and_cli_says_so(tmp_path):
    path = write(tmp_path, "a;b 1\n")
    result = run_cli("flame", path, "--flamechart", "-o", tmp_path / "out.svg")
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.count("\n") == 1 and "--flamechart needs timestamped samples" in err
    assert not (tmp_path / "out.svg").exists()


def test_output_is_deterministic_and_convert_matches(tmp_path):
    path = write(tmp_path, RANDOM_FOLDED + "\n")
    for suffix in ("svg", "html"):
        a, b = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        assert run_cli("flame", path, "-o", a).returncode == 0
        assert run_cli("flame", path, "-o", b).returncode == 0
        assert a.read_bytes() == b.read_bytes()
    c = tmp_path / "c.svg"
    assert run_cli("convert", path, "--to", "svg", "-o", c).returncode == 0
    assert c.read_bytes() == (tmp_path / "a.svg").read_bytes()
    assert (tmp_path / "a.html").read_bytes().startswith(b"<!DOCTYPE html>")


def test_options_reach_the_markup(tmp_path):
    path = write(tmp_path, "main;work 5\n")
    out = tmp_path / "o.svg"
    result = run_cli(
        "flame", path, "-o", out, "--title", "T<1>", "--subtitle", "sub", "--width", "600",
        "--height", "20", "--fontsize", "10", "--countname", "bytes", "--notes", "n&b",
        "--colors", "blue", "--bgcolors", "#123456", "--no-js",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    svg = out.read_text()
    root = ET.fromstring(svg.encode())
    assert root.get("width") == "600" and root.get("viewBox").startswith("0 0 600 ")
    assert root.find("s:text[@class='fk-ui fk-title']", NS).text == "T<1>"
    assert root.find("s:text[@class='fk-ui fk-subtitle']", NS).text == "sub"
    assert root.find("s:desc", NS).text == "n&b"
    assert "5 bytes, 100.00%" in svg
    assert 'stop-color="#123456"' in svg
    rects = root.findall("s:g[@class='fk-frames']/s:g/s:rect", NS)
    assert {r.get("height") for r in rects} == {"19"}
    for r in rects:  # the blue palette: blue channel dominant and in 205..255
        red, green, blue = (int(r.get("fill")[i : i + 2], 16) for i in (1, 3, 5))
        assert 205 <= blue <= 255 and red == green and 80 <= red < 140
    assert "<script" not in svg


def test_palettes_are_deterministic_and_in_range():
    names = ["main", "java/lang/Thread.run", "foo::bar", "x_[k]", "y_[j]", "/a/b.js:1", "Perl_x"]
    for palette in colors.NAME_PALETTES:
        first = colors.frame_colors(palette, names)
        assert first == colors.frame_colors(palette, names)
        assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in first)
    hot = colors.palette_rgb("hot", "main")
    assert 205 <= hot[0] <= 255 and hot[1] <= 230 and hot[2] <= 55
    assert colors.palette_rgb("java", "java/lang/Thread.run")[1] >= 200  # green
    assert colors.palette_rgb("java", "foo::bar")[2] <= 70  # yellow
    assert colors.palette_rgb("js", "x_[k]")[2] == 0  # orange
    assert colors.palette_rgb("perl", "Perl_x")[1] >= 200  # green
    with pytest.raises(UsageError):
        colors.frame_colors("nope", names)
    with pytest.raises(UsageError):
        colors.background("pink")


def test_kind_palette_has_a_legend(tmp_path):
    path = write(tmp_path, "main;sys_read_[k] 2\nmain;jitted_[j] 1\n")
    svg = render_svg(flamekit.load([str(path)]), FlameOptions(colors="kind", js=False))
    root = ET.fromstring(svg.encode())
    legend = [t.text for t in root.findall("s:text", NS)]
    assert "kernel" in legend and "JIT" in legend and "other" in legend


def test_hooks_colour_and_annotate_nodes(tmp_path):
    path = write(tmp_path, "main;a 2\nmain;b 1\n")
    profile = flamekit.load([str(path)])
    n = len(profile.stacks)
    names = [profile.frame_name(int(f)) for f in profile.stacks.frame]
    opts = FlameOptions(
        js=True,
        node_colors=["#0000ff" if nm == "a" else "#ff0000" for nm in names],
        node_details={"delta": [f"+{i}" for i in range(n)]},
        legend=[("slower", "#ff0000")],
    )
    svg = render_svg(profile, opts)
    root = ET.fromstring(svg.encode())
    fills = {
        g.find("s:title", NS).text.split(" ")[0]: g.find("s:rect", NS).get("fill")
        for g in root.findall("s:g[@class='fk-frames']/s:g", NS)
    }
    assert fills["a"] == "#0000ff" and fills["b"] == "#ff0000"
    assert "delta: +" in svg and "slower" in svg
    with pytest.raises(UsageError):
        build_flamegraph(profile, FlameOptions(node_colors=["#fff"] * n))
    with pytest.raises(UsageError):
        build_flamegraph(profile, FlameOptions(node_colors=["#ffffff"] * n, reverse=True))


HOSTILE = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(2)>',
    "]]><script>alert(3)</script>",
    "javascript:alert(4)",
    "</script><script>alert(5)</script>",
    "a\u202eevil\u202c",
    "\u2028line\u2029sep",
    "&amp;&lt;",
    "ctl\x01\x1f",
]


def test_hostile_names_stay_text_in_valid_xml(tmp_path):
    text = "".join(f"main;{name} {i + 1}\n" for i, name in enumerate(HOSTILE))
    path = write(tmp_path, text)
    profile = flamekit.load([str(path)])
    for js in (True, False):
        svg = render_svg(profile, FlameOptions(js=js, title="<b>t</b>", minwidth="0"))
        root = ET.fromstring(svg.encode())  # well-formed XML despite the names
        scripts = root.findall(".//s:script", NS)
        assert len(scripts) == (2 if js else 0)
        titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
        for name in HOSTILE[:5]:
            assert any(t.startswith(display_text(name) + " (") for t in titles), name
        assert "[U+202E]" in svg and "\ufffd" in svg
        assert "<script>alert" not in svg and "<svg onload" not in svg
    html = render_html(profile, FlameOptions(minwidth="0"))
    assert html.count("<script") == 2 and "</script><script>alert" not in html


def test_unpaired_surrogates_are_replaced():
    assert display_text("a\ud800b") == "a\ufffdb"
    assert fit_label("abcdefgh", 5 * 7.08, 7.08) == "abc.."
    assert fit_label("abc", 2.5 * 7.08, 7.08) == ""
    assert fit_label("abcd", 4 * 7.08, 7.08) == "abcd"


def test_render_svg_from_python_is_a_string():
    profile = flamekit.load([str(DATA / "recursion.folded")])
    svg = render_svg(profile, FlameOptions(js=False))
    assert svg.startswith("<?xml") and svg.rstrip().endswith("</svg>")
    assert np.isclose(build_flamegraph(profile).layout.grand_total, 10)


def test_jupyter_display():
    from flamekit.render.flame import FlameSVG

    shown = FlameSVG(flamekit.load([str(DATA / "recursion.folded")]))
    assert shown._repr_svg_().startswith("<?xml") and shown._repr_html_().startswith("<svg")


def test_unknown_output_extension_is_refused(tmp_path):
    result = run_cli("flame", DATA / "recursion.folded", "-o", tmp_path / "g.png")
    assert result.returncode == 2
    assert "cannot tell the output format" in result.stderr.decode()
    assert not (tmp_path / "g.png").exists()
    ok = run_cli("flame", DATA / "recursion.folded", "-o", tmp_path / "g.png", "--format", "svg")
    assert ok.returncode == 0 and (tmp_path / "g.png").read_bytes().startswith(b"<?xml")


def test_reverse_keeps_sample_counts():
    # leaf-first stacks still stand for every sample: the root's tooltip counts all of them
    profile = flamekit.load(str(Path(__file__).parent.parent / "samples/cpuprofile/cpu.cpuprofile"))
    svg = render_svg(profile, FlameOptions(reverse=True, js=False))
    root_title = re.search(r"<title>all \(([^)]*)\)</title>", svg).group(1)
    assert f"{len(profile.samples):,} samples" in root_title


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab<>&'\"\u00e9\u202e\x00 ;"), max_size=12)))
def test_escaping_in_bulk_equals_markupsafe(texts):
    from markupsafe import Markup, escape

    from flamekit.render.flame import escape_all

    got = escape_all(texts)
    assert got == [escape(t) for t in texts]
    assert all(type(m) is Markup for m in got)
