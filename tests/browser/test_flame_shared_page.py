"""Several flame graphs on one page (notebook cells, a report): each one responds on its own."""

from __future__ import annotations

import json
import re

import pytest

import flamekit
from flamekit.render.flame import FlameSVG, render_html

pytestmark = pytest.mark.browser

ONE = "main;parse;lex 30\nmain;render 20\n"
TWO = "app;load;read 5\napp;compute 40\n"


def _profile(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return flamekit.load([str(path)])


@pytest.fixture(scope="module")
def shared_url(web_root, tmp_path_factory):
    root, base = web_root
    src = tmp_path_factory.mktemp("shared")
    one, two = _profile(src, "one.folded", ONE), _profile(src, "two.folded", TWO)
    # as two notebook cells would show them, plus the same profile a second time
    cells = [FlameSVG(one)._repr_html_(), FlameSVG(two)._repr_html_(), one._repr_html_()]
    body = "".join(f'<div class="cell">{c}</div>' for c in cells)
    (root / "cells.html").write_text(
        f"<!DOCTYPE html><html><body>{body}</body></html>", encoding="utf-8"
    )
    # the same cells inserted later by script, as a notebook front end does, and their code
    # run without document.currentScript (as by eval)
    cells_js = json.dumps(cells).replace("</", "<\\/")
    (root / "late.html").write_text(
        "<!DOCTYPE html><html><body><div id='out'></div><script>"
        f"const cells = {cells_js};"
        """
for (const html of cells) {
  const div = document.createElement('div');
  div.innerHTML = html;
  document.getElementById('out').appendChild(div);
  for (const old of div.querySelectorAll('script:not([type])')) {
    const code = old.textContent;
    old.remove();
    (new Function(code))();
  }
}
</script></body></html>""",
        encoding="utf-8",
    )
    return base


def _ready(page, url: str, count: int) -> None:
    page.goto(url)
    page.wait_for_function(
        f"""Array.from(document.querySelectorAll('svg.flamekit')).filter(s => s.fkReady)
            .length === {count}"""
    )


def _graph(page, k: int) -> str:
    return f"svg.flamekit >> nth={k}"


def test_ids_are_unique_per_rendering(tmp_path):
    one = _profile(tmp_path, "one.folded", ONE)
    two = _profile(tmp_path, "two.folded", TWO)
    pages = [FlameSVG(one).svg, FlameSVG(one).svg, render_html(one), render_html(two)]
    seen: set[str] = set()
    for text in pages:
        ids = re.findall(r'\bid="([^"]+)"', text)
        assert ids, "each graph names its root element"
        assert not seen & set(ids)
        seen |= set(ids)
    # a file is reproducible: the same input draws the same ids
    assert render_html(one) == render_html(one)


@pytest.mark.parametrize("doc", ["cells.html", "late.html"])
def test_each_graph_on_a_shared_page_responds(page, shared_url, doc):
    _ready(page, shared_url + doc, 3)
    assert page.evaluate("document.querySelectorAll('svg.flamekit').length") == 3
    ids = page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
    assert len(ids) == len(set(ids))
    details = [page.locator(_graph(page, k)).locator(".fk-details") for k in range(3)]
    for k, name in [(0, "render"), (1, "compute"), (2, "parse")]:
        graph = page.locator(_graph(page, k))
        title = page.locator(f"title:text-matches('^{name} ')")
        graph.locator("g.fk-frames > g", has=title).hover()
        assert details[k].text_content().startswith(f"Function: {name} ")
        others = [details[j].text_content() for j in range(3) if j != k]
        assert all(name not in text for text in others)
    # zoom in the second graph only
    second = page.locator(_graph(page, 1))
    second.locator("g.fk-frames > g", has=page.locator("title:text-matches('^load ')")).click()
    assert second.locator(".fk-unzoom").is_visible()
    assert not page.locator(_graph(page, 0)).locator(".fk-unzoom").is_visible()
    widths = page.evaluate(
        """Array.from(document.querySelectorAll('svg.flamekit')).map(s =>
            Array.from(s.querySelectorAll('.fk-frames > g:not(.fk-hidden) > rect'))
              .map(r => +r.getAttribute('width')))"""
    )
    assert max(widths[1]) > 1100 and len(widths[1]) == 4  # all, app, load, read
    assert len(widths[0]) == 5 and len(widths[2]) == 5  # untouched
    assert page.errors == []
