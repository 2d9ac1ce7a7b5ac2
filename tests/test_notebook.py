"""Results in notebooks: HTML tables with human units, to_dict() on every result, displayable
flame graphs and block reports, option classes importable from flamekit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import flamekit
from flamekit.builder import ProfileBuilder
from flamekit.render.blocks import render_json as blocks_json
from flamekit.render.diff_report import render_json as diff_json

SAMPLES = Path(__file__).parents[1] / "samples"
SERVER = SAMPLES / "cpuprofile" / "server.cpuprofile"
BLOCKS = SAMPLES / "blocks" / "blocks.cpuprofile"


def _cells(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>([^<]*)</td>", html)


def test_option_classes_come_from_flamekit():
    from flamekit.analyze.diff import DiffOptions
    from flamekit.importers.perf_parse import PerfOptions
    from flamekit.render.flame import FlameOptions
    from flamekit.transforms import TransformOptions

    assert flamekit.FlameOptions is FlameOptions
    assert flamekit.DiffOptions is DiffOptions
    assert flamekit.TransformOptions is TransformOptions
    assert flamekit.PerfOptions is PerfOptions
    assert {"FlameOptions", "DiffOptions"} <= set(flamekit.__all__)


def test_top_is_a_list_shown_as_a_table_in_human_units():
    profile = flamekit.load(str(SERVER))
    top = profile.top(5)
    assert isinstance(top, list) and len(top) == 5
    html = top._repr_html_()
    cells = _cells(html)
    assert f"{top[0].self / 1e6:.1f} ms" in cells
    assert not any(re.fullmatch(r"\d{7,}", c) for c in cells)  # no raw nanoseconds
    assert "hashItems (file:///srv/app/server.js:51)" in html
    doc = top.to_dict()
    assert doc["unit"] == "nanoseconds" and doc["functions"][0] == top[0].to_dict()
    assert ">file</th>" in profile.top(3, by="file")._repr_html_()


def test_hot_paths_and_calls_tables():
    profile = flamekit.load(str(SERVER))
    hot = profile.hot_paths(2)
    html = hot._repr_html_()
    assert html.count("<table>") == 2 and "hot path #1" in html
    assert any(c.endswith(" ms") or c.endswith(" s") for c in _cells(html))
    calls = profile.calls("hashItems")
    html = calls._repr_html_()
    assert "callers" in html and "callees" in html and "hashItems" in html
    assert calls.to_dict()["functions"] == ["hashItems"]


def test_diff_to_dict_and_table():
    before = flamekit.load(str(SAMPLES / "diff" / "js-before-1.cpuprofile"))
    after = flamekit.load(str(SAMPLES / "diff" / "js-after-1.cpuprofile"))
    result = flamekit.diff(before, after)
    assert result.to_dict() == json.loads(diff_json(result))
    html = result._repr_html_()
    assert "<table>" in html and "parse" in html and "significance" in html
    assert "object at 0x" not in html


def test_blocks_to_dict_and_table():
    profile = flamekit.load(str(BLOCKS))
    report = profile.blocks()
    assert report.to_dict() == json.loads(blocks_json(report))
    html = report._repr_html_()
    assert "handleRequest" in html and "317.9 ms" in _cells(html)


def test_flame_is_displayable_and_escapes_names():
    b = ProfileBuilder("folded", unit="samples")
    root = b.stack(-1, b.frame("<script>alert(1)</script>"))
    b.sample(root, 3)
    profile = b.build()
    shown = profile.flame(width=600)
    html = shown._repr_html_()
    assert html.startswith("<svg") and 'width="600"' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in profile.top()._repr_html_()
