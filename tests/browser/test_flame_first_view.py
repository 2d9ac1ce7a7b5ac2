"""The first view of a deep, real profile: the base of the graph, its widest frames with their
labels, is inside a 1280x800 window; the frames above it are a click away."""

from __future__ import annotations

import re

import pytest

import flamekit

from .conftest import SERVER_SAMPLE as SAMPLE

pytestmark = pytest.mark.browser


@pytest.fixture
def window(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    yield pg
    context.close()


# per frame: its name, total, whether its rect and its full label are inside the window and
# drawn on top at the rect's centre
FRAMES_IN_VIEW = """() => {
  const svg = document.querySelector('svg.flamekit');
  const out = [];
  for (const g of svg.querySelectorAll('.fk-frames > g')) {
    const r = g.querySelector('rect').getBoundingClientRect();
    const t = g.querySelector('text');
    const tb = t && t.textContent ? t.getBoundingClientRect() : null;
    const inside = (b) => b && b.width > 0 && b.left >= 0 && b.top >= 0 &&
                          b.right <= innerWidth && b.bottom <= innerHeight;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    out.push({
      title: g.querySelector('title').textContent,
      width: r.width,
      rect: inside(r),
      label: inside(tb) ? t.textContent : '',
      onTop: !!hit && g.contains(hit),
    });
  }
  return out;
}"""


@pytest.mark.parametrize("doc", ["server.svg", "server.html", "server-nojs.svg"])
def test_first_view_holds_the_root_and_the_widest_frames(window, server_pages, doc):
    profile = flamekit.load(str(SAMPLE))
    assert int(profile.stacks.depth.max()) > 200  # deep: the recursive route
    window.goto(server_pages + doc)
    if doc != "server-nojs.svg":
        window.wait_for_function("document.querySelector('svg.flamekit').fkReady")
    frames = window.evaluate(FRAMES_IN_VIEW)
    widest = sorted(frames, key=lambda f: -f["width"])[:12]
    assert widest[0]["title"].startswith("all ")
    for f in widest:
        assert f["rect"] and f["onTop"], f["title"]
        # the title starts with the frame's display name, which may hold spaces
        # ("(anonymous) server.js:32"); the bar's label is that name, maybe cut
        label = re.sub(r" \d+\.\d%$", "", f["label"]).removesuffix("..")  # the share beside it
        assert label and f["title"].startswith(label), f["title"]
    names = {f["title"].split(" ")[0] for f in widest}
    assert {"all", "processTicksAndRejections", "router", "hashItems"} <= names
    height = window.evaluate(
        "document.querySelector('svg.flamekit').getBoundingClientRect().height"
    )
    assert height <= 800


def test_deep_frames_are_reached_by_zoom(window, server_pages):
    window.goto(server_pages + "server.html")
    window.wait_for_function("document.querySelector('svg.flamekit').fkReady")
    hidden = window.evaluate("document.querySelectorAll('.fk-frames > g.fk-deep').length")
    assert hidden > 200
    # the widest marked stub: the recursive walk(); clicking it brings its callees into view
    stub = window.evaluate(
        """() => {
          const gs = [...document.querySelectorAll('.fk-frames > g.fk-stub')];
          gs.sort((a, b) => b.querySelector('rect').getBoundingClientRect().width -
                            a.querySelector('rect').getBoundingClientRect().width);
          return [...gs[0].parentNode.children].indexOf(gs[0]);
        }"""
    )
    window.locator(f".fk-frames > g:nth-child({stub + 1}) > rect").click()
    depth = window.evaluate("JSON.parse(document.querySelector('.fk-data').textContent).depth")
    shown = window.evaluate(
        """[...document.querySelectorAll('.fk-frames > g')].map((g, i) =>
             getComputedStyle(g).display !== 'none' ? i : -1).filter(i => i >= 0)"""
    )
    assert max(depth[i] for i in shown) > depth[stub]
    frames = window.evaluate(FRAMES_IN_VIEW)
    drawn = [f for i, f in enumerate(frames) if i in set(shown)]
    assert all(f["rect"] for f in drawn)  # everything drawn is inside the window
    # Reset Zoom brings the first view back
    window.click(".fk-unzoom")
    assert window.evaluate("document.querySelectorAll('.fk-frames > g.fk-deep').length") == hidden
