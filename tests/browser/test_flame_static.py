"""A flame graph where no script runs (an <img>, a viewer without JavaScript, --no-js) shows no
control that cannot work; where the script runs, the controls are there."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CONTROLS = ".fk-search, .fk-case, .fk-unzoom, .fk-matched, .fk-omitted tspan, .fk-areas"


def shown_controls(page) -> list[str]:
    return page.evaluate(
        f"""[...document.querySelectorAll('{CONTROLS}')]
              .filter(e => e.getBBox().width > 0 && getComputedStyle(e).display !== 'none')
              .map(e => e.textContent)"""
    )


@pytest.mark.parametrize("doc", ["server.svg", "server.html"])
def test_controls_show_where_the_script_runs(page, server_pages, doc):
    page.goto(server_pages + doc)
    page.wait_for_function("document.querySelector('svg.flamekit').fkReady")
    shown = shown_controls(page)
    assert "Search" in shown and "ic" in shown
    assert any(text.startswith("hide:") for text in shown)  # the area chips
    assert ": click one to see them" in shown  # the deep-stack hint


@pytest.mark.parametrize(
    "doc", ["server.svg", "server.html", "server-nojs.svg", "server-nojs.html"]
)
def test_no_dead_controls_without_script(browser, server_pages, doc):
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(server_pages + doc)
        assert page.locator("svg.flamekit").count() == 1
        assert shown_controls(page) == []
        footer = page.text_content(".fk-omitted")
        assert "deeper frame" in footer
        assert "click" not in footer or "nojs" not in doc  # a hint only in live files
    finally:
        context.close()


def test_interactive_svg_as_img_draws_no_buttons(page, server_pages, web_root):
    root, _ = web_root
    (root / "as-img.html").write_text(
        '<!DOCTYPE html><body style="margin:0"><img src="server.svg"></body>', encoding="utf-8"
    )
    (root / "bare.svg").write_text(
        (root / "server.svg").read_text(encoding="utf-8").replace(">Search<", "><"), "utf-8"
    )
    (root / "bare-img.html").write_text(
        '<!DOCTYPE html><body style="margin:0"><img src="bare.svg"></body>', encoding="utf-8"
    )
    shots = []
    for doc in ("as-img.html", "bare-img.html"):
        page.goto(server_pages + doc)
        page.wait_for_function("document.querySelector('img').complete")
        # the top right corner, where Search and ic are drawn in a live graph
        shots.append(page.screenshot(clip={"x": 1050, "y": 0, "width": 150, "height": 36}))
    # the word Search is not drawn: the corner looks the same as with the word removed
    assert shots[0] == shots[1]
