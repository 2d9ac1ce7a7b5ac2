"""Contrast as the browser draws it, for every palette in both colour schemes: each frame label
against its bar (also while highlighted by a search) and each line of text around the graph
against the background, at least WCAG's 4.5:1."""

from __future__ import annotations

from pathlib import Path

import pytest

import flamekit
from flamekit.render import colors
from flamekit.render.diff_flame import render_diff_flamegraph
from flamekit.render.flame import FlameOptions, render_html, render_svg

pytestmark = pytest.mark.browser

SAMPLES = Path(__file__).parents[2] / "samples"
SERVER = SAMPLES / "cpuprofile" / "server.cpuprofile"

CONTRASTS = """(search) => {
  const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                            return (x + 0.05) / (y + 0.05); };
  const svg = document.querySelector('svg.flamekit');
  const shown = (e) => getComputedStyle(e).display !== 'none' && e.getBBox().width > 0 &&
                       e.textContent.trim() !== '';
  const labels = [];
  for (const g of svg.querySelectorAll('.fk-frames > g')) {
    const t = g.querySelector('text');
    if (!t || getComputedStyle(g).display === 'none' || !shown(t)) continue;
    const fill = parse(getComputedStyle(g.querySelector('rect')).fill);
    labels.push([t.textContent, ratio(parse(getComputedStyle(t).fill), fill),
                 g.classList.contains('fk-match')]);
  }
  // the background behind the text: the dark page's flat fill, or both ends of the gradient
  const bgRect = svg.querySelector('.fk-bg');
  const flat = getComputedStyle(bgRect).fill;
  const stops = [...svg.querySelectorAll('linearGradient stop')];
  const backs = flat.startsWith('rgb') ? [parse(flat)] :
      stops.map(s => parse(getComputedStyle(s).stopColor));
  const ui = [];
  for (const t of svg.querySelectorAll('text')) {
    if (t.closest('.fk-frames') || !shown(t)) continue;
    const fg = parse(getComputedStyle(t).fill);
    ui.push([t.textContent, Math.min(...backs.map(b => ratio(fg, b)))]);
  }
  return {labels, ui};
}"""


def check(page, url: str, scheme: str, search: str = "") -> dict:
    page.emulate_media(color_scheme=scheme)
    page.goto(url + (f"#search={search}" if search else ""))
    page.wait_for_function("document.querySelector('svg.flamekit').fkReady")
    result = page.evaluate(CONTRASTS)
    assert result["labels"], "no labels drawn"
    for text, ratio, _ in result["labels"]:
        assert ratio >= 4.5, (scheme, text, ratio)
    assert len(result["ui"]) >= 3  # title, legend or footer, buttons
    for text, ratio in result["ui"]:
        assert ratio >= 4.5, (scheme, text, ratio)
    return result


@pytest.fixture(scope="module")
def palette_urls(web_root):
    root, base = web_root
    profile = flamekit.load(str(SERVER))
    for palette in colors.PALETTES:
        options = FlameOptions(colors=palette, subtitle="a subtitle", notes="a note")
        (root / f"p-{palette}.html").write_text(render_html(profile, options), "utf-8")
        (root / f"p-{palette}.svg").write_text(render_svg(profile, options), "utf-8")
    before = flamekit.load(str(SAMPLES / "diff" / "js-before-1.cpuprofile"))
    after = flamekit.load(str(SAMPLES / "diff" / "js-after-1.cpuprofile"))
    result = flamekit.diff(before, after)
    (root / "diff.html").write_text(render_diff_flamegraph(result, fmt="html"), "utf-8")
    return base


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("palette", colors.PALETTES)
def test_every_palette_reads_in_both_schemes(page, palette_urls, palette, scheme):
    check(page, palette_urls + f"p-{palette}.html", scheme)
    check(page, palette_urls + f"p-{palette}.svg", scheme)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_highlight_reads_in_both_schemes(page, palette_urls, scheme):
    result = check(page, palette_urls + "p-kind.html", scheme, search="e")
    matched = [ratio for _, ratio, match in result["labels"] if match]
    assert len(matched) > 10


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_differential_graph_reads_in_both_schemes(page, palette_urls, scheme):
    result = check(page, palette_urls + "diff.html", scheme)
    assert any("normalized shares" in text for text, _ in result["ui"])  # the subtitle
