"""The static block picture is led by the timeline and the table of the longest blocks; the
bubbles follow, no taller than 300 px."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import run_cli

BLOCKS = Path(__file__).parents[1] / "samples" / "blocks" / "blocks.cpuprofile"
NS = "{http://www.w3.org/2000/svg}"


def _translate_y(g) -> float:
    return float(re.search(r"translate\([^,]+,([-\d.]+)\)", g.get("transform")).group(1))


def test_static_svg_leads_with_timeline_and_table(tmp_path):
    out = tmp_path / "blocks.svg"
    assert run_cli("blocks", BLOCKS, "-o", out).returncode == 0
    root = ET.parse(out).getroot()
    groups = [g for g in root if g.tag == f"{NS}g"]
    timeline = next(g for g in groups if g.find(f"{NS}g[@class='timeline']") is not None)
    table = next(g for g in groups if g.get("class") == "table")
    bubbles = next(g for g in groups if g.find(f"{NS}g[@class='bubbles']") is not None)
    assert _translate_y(timeline) < _translate_y(table) < _translate_y(bubbles)
    # the table rows: longest first, as the JSON report says
    doc = json.loads(run_cli("blocks", BLOCKS, "--format", "json", "-o", "-").stdout)
    blocks = sorted(doc["blocks"], key=lambda b: -b["duration_ms"])
    entry_x = next(t.get("x") for t in table.iter(f"{NS}text") if t.text == "entry")
    entries = [t.text for t in table.iter(f"{NS}text") if t.get("x") == entry_x][1:]
    assert [e.split(" (")[0] for e in entries] == [b["entry"] for b in blocks]
    # the bubbles come after, scaled to at most 300 px
    scale = float(re.search(r"scale\(([\d.]+)\)", bubbles.get("transform")).group(1))
    circles = [(float(c.get("cy")), float(c.get("r"))) for c in bubbles.iter(f"{NS}circle")]
    tops = [cy - r for cy, r in circles]
    bottoms = [cy + r for cy, r in circles]
    assert (max(bottoms) - min(tops)) * scale <= 300
