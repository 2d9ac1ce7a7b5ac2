"""The sync-block page in both colour schemes: every piece of text against what is behind it
(the page, a table row, a bubble, a bar of the small flame graph) at least WCAG's 4.5:1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).parents[2] / "samples" / "blocks" / "blocks.cpuprofile"

CONTRASTS = """() => {
  const parse = (c) => c.match(/[\\d.]+/g).map(Number);
  const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                            return (x + 0.05) / (y + 0.05); };
  const opaque = (c) => { const v = parse(c); return v.length < 4 || v[3] > 0.99 ? v : null; };
  // what is drawn behind an element: an SVG shape before it in its group, else the nearest
  // ancestor with an opaque background
  function behind(e) {
    if (e instanceof SVGElement) {
      const shape = e.parentNode.querySelector('circle, rect');
      if (shape && shape !== e && e.parentNode.closest('.bubble, .mini-flame')) {
        return parse(getComputedStyle(shape).fill);
      }
    }
    for (let a = e; a; a = a.parentElement) {
      const bg = opaque(getComputedStyle(a).backgroundColor);
      if (bg) return bg;
    }
    return [255, 255, 255];
  }
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || e.closest('script, style, title')) continue;
    const box = e.getBoundingClientRect();
    if (!box.width || getComputedStyle(e).visibility === 'hidden') continue;
    const style = getComputedStyle(e);
    const fg = e instanceof SVGElement ? parse(style.fill) : parse(style.color);
    out.push([n.textContent.trim().slice(0, 40), ratio(fg, behind(e))]);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def report_url(web_root):
    root, base = web_root
    result = run_cli("blocks", SAMPLE, "-o", root / "blocks.html")
    assert result.returncode == 0, result.stderr
    return base + "blocks.html"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_block_report_text_reads_in_both_schemes(page, report_url, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(report_url)
    page.click(".bubble")  # the detail panel with its small flame graph and block list
    page.wait_for_selector(".mini-flame text")
    texts = page.evaluate(CONTRASTS)
    assert len(texts) > 40
    low = [(t, round(r, 2)) for t, r in texts if r < 4.5]
    assert not low, low
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(255, 255, 255)") == (scheme == "light")
