"""Golden SVGs (``--no-js``) for small inputs and option sets; re-bless with FLAMEKIT_BLESS=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_cli

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"

CASES = {
    "recursion-default": ("recursion.folded", []),
    "recursion-inverted-reverse": ("recursion.folded", ["--inverted", "--reverse"]),
    "timeline-flamechart": ("timeline.cpuprofile", ["--flamechart", "--width", "400"]),
    "names-kind-narrow": ("names.folded", ["--colors", "kind", "--width", "400"]),
    "fractional-minwidth-title": (
        "fractional.folded",
        [
            "--minwidth",
            "10%",
            "--title",
            "Fractional <counts>",
            "--subtitle",
            "sub & title",
            "--countname",
            "ms",
            "--colors",
            "java",
            "--bgcolors",
            "blue",
            "--height",
            "20",
            "--fontsize",
            "14",
            "--notes",
            "a note",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_svg(case, tmp_path):
    data, options = CASES[case]
    out = tmp_path / f"{case}.svg"
    result = run_cli("flame", DATA / data, "--no-js", "-o", out, *options)
    assert result.returncode == 0, result.stderr.decode()
    golden = GOLDEN / f"{case}.svg"
    if os.environ.get("FLAMEKIT_BLESS"):
        golden.write_bytes(out.read_bytes())
    assert golden.exists(), f"missing {golden.name}: run with FLAMEKIT_BLESS=1 to create it"
    assert out.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")
