"""Walking to the culprit: 'hottest frame n of N' visits frames by descending self time, with
buttons and the n/p keys; bars say where they are (file:line) and their share when it fits."""

from __future__ import annotations

import numpy as np
import pytest

import flamekit
from flamekit.core.weights import node_self

from .conftest import SERVER_SAMPLE as SAMPLE

pytestmark = pytest.mark.browser


def _selected(page) -> dict:
    return page.evaluate(
        """() => {
          const svg = document.querySelector('svg.flamekit');
          const g = svg.querySelector('.fk-frames > g.fk-selected');
          const r = g.querySelector('rect').getBoundingClientRect();
          return {index: [...g.parentNode.children].indexOf(g),
                  title: g.querySelector('title').textContent,
                  visible: getComputedStyle(g).display !== 'none' && r.width > 0 &&
                           r.top >= 0 && r.bottom <= innerHeight,
                  label: svg.querySelector('.fk-hot-label').textContent};
        }"""
    )


@pytest.mark.parametrize("doc", ["server.svg", "server.html"])
def test_next_hottest_visits_frames_by_descending_self_time(browser, server_pages, doc):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(server_pages + doc)
        page.wait_for_function("document.querySelector('svg.flamekit').fkReady")
        data = page.evaluate("JSON.parse(document.querySelector('.fk-data').textContent)")
        count = sum(1 for i, v in enumerate(data["self"]) if i and v > 0)
        # the model's own self weights, heaviest first: what the walk must follow
        profile = flamekit.load(str(SAMPLE))
        own = np.sort(node_self(profile)[node_self(profile) > 0])[::-1]
        seen = []
        for k in range(12):
            if k % 2:
                page.keyboard.press("n")
            else:
                page.locator(".fk-hot-next").click()
            got = _selected(page)
            assert got["visible"], got["title"]
            assert got["label"] == f"hottest frame {k + 1} of {count}"
            seen.append(data["self"][got["index"]])
        assert seen == sorted(seen, reverse=True)
        assert seen == own[:12].tolist()
        # previous goes back, and from the first wraps to the last
        page.keyboard.press("p")
        assert data["self"][_selected(page)["index"]] == seen[10]
        for _ in range(11):
            page.locator(".fk-hot-prev").click()
        assert _selected(page)["label"] == f"hottest frame {count} of {count}"
        details = page.text_content(".fk-details")
        assert details.startswith("Function: ")
    finally:
        context.close()


def test_bars_say_where_and_how_much(page, server_pages):
    page.goto(server_pages + "server.html")
    page.wait_for_function("document.querySelector('svg.flamekit').fkReady")
    bars = page.evaluate(
        """[...document.querySelectorAll('.fk-frames > g')].map(g => [
             g.querySelector('title').textContent,
             (g.querySelector('text:not(.fk-where)') || {}).textContent || '',
             (g.querySelector('text.fk-where') || {}).textContent || ''])"""
    )
    by_name = {title.split(" ")[0]: (left, right) for title, left, right in bars}
    left, right = by_name["hashItems"]
    assert left.startswith("hashItems ") and left.endswith("%")
    assert right == "server.js:51"
    # zoom into router: labels are recomputed with the wider bars, still saying where
    index = [t.split(" ")[0] for t, _, _ in bars].index("router")
    page.locator(f".fk-frames > g:nth-child({index + 1}) > rect").click()
    zoomed = page.evaluate(
        f"document.querySelector('.fk-frames > g:nth-child({index + 1}) text.fk-where').textContent"
    )
    assert zoomed == "server.js:57"
