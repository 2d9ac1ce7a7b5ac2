"""The default title of a flame graph names what it shows: the file(s), the total, the samples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import flamekit
from flamekit.render.flame import FlameOptions, render_html, render_svg

ROOT = Path(__file__).parents[1]
SERVER = ROOT / "samples" / "cpuprofile" / "server.cpuprofile"
WORKERS = sorted((ROOT / "samples" / "cpuprofile" / "workers").glob("*.cpuprofile"))


def title_of(svg: str) -> str:
    return re.search(r'class="fk-ui fk-title"[^>]*>([^<]*)<', svg).group(1)


def test_title_names_file_total_and_samples():
    profile = flamekit.load(str(SERVER))
    seconds = profile.total_weight() / 1e9
    want = f"Flame Graph: server.cpuprofile ({seconds:.2f} s, {len(profile.samples):,} samples)"
    assert title_of(render_svg(profile)) == want
    html = render_html(profile)
    assert f"<title>{want}</title>" in html
    assert title_of(render_svg(profile, FlameOptions(inverted=True))).startswith("Icicle Graph: ")


def test_title_of_counted_samples(tmp_path):
    path = tmp_path / "app.folded"
    path.write_text("a;b 3\na;c 4\n", encoding="utf-8")
    assert title_of(render_svg(flamekit.load(str(path)))) == "Flame Graph: app.folded (7 samples)"


def test_title_of_several_files_names_them():
    profile = flamekit.load([str(p) for p in WORKERS])
    title = title_of(render_svg(profile))
    assert title.startswith("Flame Graph: CPU.")
    assert f"{len(profile.samples):,} samples)" in title
    many = flamekit.load([str(p) for p in WORKERS] + [str(SERVER)])
    assert "and 2 more" in many.meta.name


@pytest.mark.parametrize("width", [200, 400, 800, 1200])
def test_title_fits_between_the_buttons(width, tmp_path):
    path = tmp_path / ("a-very-long-profile-name-" * 6 + ".folded")
    path.write_text("a;b 3\n", encoding="utf-8")
    options = FlameOptions(width=width)
    title = title_of(render_svg(flamekit.load(str(path)), options))
    char_px = options.fontsize * 1.42 * options.font_width
    assert title.startswith("Flame Graph")
    assert len(title) * char_px <= max(width - 400, len("Flame Graph") * char_px)
    if width >= 800:
        assert "…" in title and title.endswith("(3 samples)")


def test_given_title_wins():
    profile = flamekit.load(str(SERVER))
    assert title_of(render_svg(profile, FlameOptions(title="mine"))) == "mine"
