"""The differential flame graph in headless Chromium: rendered colours, hover details, XSS."""

from __future__ import annotations

import pytest

import flamekit
from flamekit.analyze.diff import diff_profiles
from flamekit.render.diff_flame import render_diff_flamegraph

from ..conftest import ROOT

pytestmark = pytest.mark.browser

BEFORE = "main;parse;lex 300\nmain;parse 200\nmain;render 400\nmain;old 100\n"
AFTER = (
    "main;parse;lex 300\nmain;parse 350\nmain;render 250\n"
    "main;<img src=x onerror=alert(1)> 40\nmain;<script>alert(2)</script> 40\n"
)


@pytest.fixture(scope="module")
def diff_url(web_root, tmp_path_factory):
    root, base = web_root
    src = tmp_path_factory.mktemp("diffsrc")
    (src / "b.folded").write_text(BEFORE)
    (src / "a.folded").write_text(AFTER)
    result = diff_profiles(
        flamekit.load(str(src / "b.folded")), flamekit.load(str(src / "a.folded"))
    )
    for fmt in ("svg", "html"):
        text = render_diff_flamegraph(result, fmt=fmt, before_name="b", after_name="a")
        (root / f"diff.{fmt}").write_text(text, encoding="utf-8")
    js = diff_profiles(
        flamekit.load(str(ROOT / "samples/diff/js-before-1.cpuprofile")),
        flamekit.load(str(ROOT / "samples/diff/js-after-1.cpuprofile")),
    )
    (root / "js.svg").write_text(render_diff_flamegraph(js), encoding="utf-8")
    return base


def ready(page, url: str) -> None:
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_function("document.querySelector('.fk-frames').ownerSVGElement.fkReady")


def frames(page) -> list[dict]:
    """Name (from the embedded data), computed fill and index of every drawn frame."""
    return page.evaluate(
        """(() => {
            const data = JSON.parse(document.querySelector('.fk-data').textContent);
            return Array.from(document.querySelectorAll('.fk-frames > g')).map((g, i) => ({
                i, name: data.names[i],
                fill: getComputedStyle(g.querySelector('rect')).fill,
                width: parseFloat(g.querySelector('rect').getAttribute('width')),
            }));
        })()"""
    )


def by_name(page, name: str) -> dict:
    return max((f for f in frames(page) if f["name"] == name), key=lambda f: f["width"])


@pytest.mark.parametrize("doc", ["diff.svg", "diff.html"])
def test_colours_as_rendered(page, diff_url, doc):
    ready(page, diff_url + doc)
    assert by_name(page, "parse")["fill"] == "rgb(255, 0, 0)"  # the largest growth
    render = by_name(page, "render")["fill"]
    r, g, b = (int(x) for x in render[4:-1].split(","))
    assert b == 255 and r == g and 0 < r < 255  # shrank, less than parse grew
    assert by_name(page, "lex")["fill"] == "rgb(255, 255, 255)"  # within noise
    assert "old" not in [f["name"] for f in frames(page)]
    subtitle = page.text_content(".fk-subtitle")
    assert "1 call path only in before" in subtitle and "old" in subtitle
    assert page.errors == [] and page.dialogs == []


@pytest.mark.parametrize("doc", ["diff.svg", "diff.html"])
def test_hover_shows_before_after_change_and_significance(page, diff_url, doc):
    ready(page, diff_url + doc)
    page.locator(f".fk-frames > g:nth-child({by_name(page, 'parse')['i'] + 1}) > rect").hover()
    text = page.text_content(".fk-details")
    assert text.startswith("Function: parse")
    assert "before: total 50.00% (500), self 20.00%" in text  # of 1000
    assert "after: total 66.33% (650), self 35.71%" in text  # of 980
    assert "change: total +16.33 points, self +15.71 points" in text
    assert "significance: self change significant" in text
    lex = by_name(page, "lex")
    page.locator(f".fk-frames > g:nth-child({lex['i'] + 1}) > rect").hover()
    assert "self change within noise" in page.text_content(".fk-details")
    assert page.errors == []


def test_hostile_names_are_text(page, diff_url):
    ready(page, diff_url + "diff.svg")
    names = [f["name"] for f in frames(page)]
    assert "<img src=x onerror=alert(1)>" in names
    assert "<script>alert(2)</script>" in names
    assert (
        page.evaluate("document.querySelectorAll('.fk-frames img, .fk-frames script').length") == 0
    )
    assert page.dialogs == [] and page.errors == []


def test_real_recording_parse_is_red(page, diff_url):
    ready(page, diff_url + "js.svg")
    assert by_name(page, "parse")["fill"] == "rgb(255, 0, 0)"
    page.locator(f".fk-frames > g:nth-child({by_name(page, 'parse')['i'] + 1}) > rect").hover()
    assert "self change significant" in page.text_content(".fk-details")
    assert page.errors == []
