"""The interactive flame graph in headless Chromium: hover, zoom, search, URL hash, <img>, XSS."""

from __future__ import annotations

import base64
import re

import pytest

import flamekit
from flamekit.builder import ProfileBuilder
from flamekit.model import FrameKind
from flamekit.render import colors
from flamekit.render.flame import FlameOptions, render_html, render_svg

pytestmark = pytest.mark.browser

FOLDED = """main;parse;lex 30
main;parse;read 10
main;render;draw;lex 20
main;render;layout 25
main;gc 5
idle 10
"""


def reference_matched(folded: str, pattern: str, flags: int = 0) -> float:
    """Percent of samples whose stack has at least one frame matching ``pattern``."""
    regex = re.compile(pattern, flags)
    total = hit = 0.0
    for line in folded.splitlines():
        stack, count = line.rsplit(None, 1)
        total += float(count)
        if any(regex.search(frame) for frame in stack.split(";")):
            hit += float(count)
    return 100.0 * hit / total


@pytest.fixture(scope="module")
def graph_url(web_root, tmp_path_factory):
    root, base = web_root
    src = tmp_path_factory.mktemp("src") / "demo.folded"
    src.write_text(FOLDED, encoding="utf-8")
    profile = flamekit.load([str(src)])
    (root / "demo.svg").write_text(render_svg(profile), encoding="utf-8")
    (root / "demo.html").write_text(render_html(profile), encoding="utf-8")
    (root / "static.svg").write_text(render_svg(profile, FlameOptions(js=False)), "utf-8")
    (root / "img.html").write_text(
        '<!DOCTYPE html><html><body style="margin:0;background:#fff">'
        '<img id="g" src="static.svg" width="1200"></body></html>',
        encoding="utf-8",
    )
    return base


def names(page) -> list[str]:
    return page.evaluate("JSON.parse(document.querySelector('.fk-data').textContent).names")


def frame(page, index: int):
    return page.locator(f".fk-frames > g:nth-child({index + 1}) > rect")


def rect_geometry(page) -> list[tuple[str, str, str]]:
    return page.evaluate(
        """Array.from(document.querySelectorAll('.fk-frames > g')).map(g => {
            const r = g.querySelector('rect');
            return [r.getAttribute('x'), r.getAttribute('width'), g.getAttribute('class') || ''];
        })"""
    )


def ready(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("document.querySelector('.fk-frames').ownerSVGElement.fkReady")


@pytest.mark.parametrize("doc", ["demo.svg", "demo.html"])
def test_hover_updates_details(page, graph_url, doc):
    ready(page, graph_url + doc)
    i = names(page).index("render")
    frame(page, i).hover()
    text = page.text_content(".fk-details")
    assert text.startswith("Function: render")
    assert "45 samples, 45.00% of total" in text
    page.mouse.move(5, 5)
    assert "render" not in page.text_content(".fk-details")
    assert page.errors == []


@pytest.mark.parametrize("doc", ["demo.svg", "demo.html"])
def test_click_zooms_and_reset_restores(page, graph_url, doc):
    ready(page, graph_url + doc)
    before = rect_geometry(page)
    all_names = names(page)
    i = all_names.index("render")
    frame(page, i).click()
    after = rect_geometry(page)
    assert after[i][0] == "10" and after[i][1] == "1180"  # the zoomed frame spans the plot
    assert "fk-parent" in after[0][2] and "fk-parent" in after[all_names.index("main")][2]
    assert "fk-hidden" in after[all_names.index("parse")][2]
    assert "fk-hidden" in after[all_names.index("idle")][2]
    draw = all_names.index("draw")
    assert float(after[draw][1]) == pytest.approx(1180 * 20 / 45, abs=0.06)
    assert page.evaluate("location.hash") == f"#zoom={i}"
    assert page.is_visible(".fk-unzoom")
    page.click(".fk-unzoom")
    assert rect_geometry(page) == before
    assert page.evaluate("location.hash") == ""
    assert not page.is_visible(".fk-unzoom")
    assert page.errors == []


@pytest.mark.parametrize(
    ("pattern", "ignore_case"),
    [("lex", False), ("^(parse|lex)$", False), ("^R", True), ("a", False)],
)
def test_search_highlights_and_matched_percent(page, graph_url, pattern, ignore_case):
    ready(page, graph_url + "demo.svg")
    if ignore_case:
        page.click(".fk-case")
    page.once("dialog", lambda d: d.accept(pattern))
    page.keyboard.press("/")
    page.wait_for_function("document.querySelector('.fk-matched').textContent.length > 0")
    highlighted = page.evaluate(
        "Array.from(document.querySelectorAll('.fk-frames > g'))"
        ".map((g, i) => g.classList.contains('fk-match') ? i : -1).filter(i => i >= 0)"
    )
    flags = re.IGNORECASE if ignore_case else 0
    expected = [i for i, nm in enumerate(names(page)) if i > 0 and re.search(pattern, nm, flags)]
    assert highlighted == expected and expected
    want = reference_matched(FOLDED, pattern, flags)
    assert page.text_content(".fk-matched") == f"Matched: {want:.2f}%"
    fill = page.evaluate(
        f"getComputedStyle(document.querySelector('.fk-frames > g:nth-child({expected[0] + 1})"
        " > rect')).fill"
    )
    r, g, b = (int(colors.SEARCH_COLOR[k : k + 2], 16) for k in (1, 3, 5))
    assert fill == f"rgb({r}, {g}, {b})"
    page.keyboard.press("Escape")
    assert page.text_content(".fk-matched") == ""
    assert page.evaluate("document.querySelectorAll('.fk-match').length") == 0
    assert page.errors == []


def test_ctrl_f_opens_search(page, graph_url):
    ready(page, graph_url + "demo.html")
    page.once("dialog", lambda d: d.accept("gc"))
    page.keyboard.press("Control+f")
    page.wait_for_function("document.querySelector('.fk-matched').textContent.length > 0")
    assert page.text_content(".fk-matched") == "Matched: 5.00%"


@pytest.mark.parametrize("doc", ["demo.svg", "demo.html"])
def test_url_hash_restores_zoom_and_search(page, graph_url, doc):
    ready(page, graph_url + doc)
    i = names(page).index("render")
    ready(page, graph_url + doc + f"#zoom={i}&search={'l.x'}&ic=1")
    geometry = rect_geometry(page)
    assert geometry[i][1] == "1180"
    assert "fk-hidden" in geometry[names(page).index("idle")][2]
    # matches are counted inside the zoomed frame: lex under draw is 20 of render's 45
    assert page.text_content(".fk-matched") == f"Matched: {100 * 20 / 45:.2f}% of zoomed frame"
    assert page.evaluate("document.querySelector('.fk-case').getAttribute('aria-pressed')") == (
        "true"
    )


def test_keyboard_focus_and_aria(page, graph_url):
    ready(page, graph_url + "demo.svg")
    page.focus(".fk-frames > g:nth-child(1)")
    label = page.get_attribute(".fk-frames > g:nth-child(1)", "aria-label")
    assert label.startswith("Function: all")
    page.keyboard.press("ArrowUp")  # towards the leaves: the first child, 'idle' sorts first
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused.startswith("Function: idle")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith(
        "Function: main"
    )
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == f"#zoom={names(page).index('main')}"


def test_static_svg_in_img_is_drawn(page, graph_url):
    page.goto(graph_url + "img.html")
    page.wait_for_function("document.getElementById('g').complete")
    assert page.evaluate("document.getElementById('g').naturalWidth") == 1200
    png = page.screenshot(clip={"x": 0, "y": 0, "width": 1200, "height": 150})
    # count the colours of the screenshot in the browser: a blank image has one
    colours = page.evaluate(
        """async (src) => {
            const img = new Image();
            img.src = src;
            await img.decode();
            const c = document.createElement('canvas');
            c.width = img.width; c.height = img.height;
            const ctx = c.getContext('2d');
            ctx.drawImage(img, 0, 0);
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            const seen = new Set();
            let dark = 0;
            for (let i = 0; i < d.length; i += 4) {
                seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
                if (d[i] + d[i + 1] + d[i + 2] < 150) dark++;
            }
            return [seen.size, dark];
        }""",
        "data:image/png;base64," + base64.b64encode(png).decode(),
    )
    distinct, dark_pixels = colours
    assert distinct > 20  # gradient, frame colours and anti-aliased text
    assert dark_pixels > 200  # labels are drawn


HOSTILE = [
    "<script>alert('x1')</script>",
    '"><svg onload=alert("x2")>',
    "]]><script>alert('x3')</script>",
    "javascript:alert('x4')",
    "</script><script>alert('x5')</script>",
    "<img src=x onerror=\"alert('x6')\">",
    "\ud800lone",
    "rtl\u202egnp.exe",
    "-->]]></style><script>alert('x7')</script>",
]


@pytest.fixture(scope="module")
def hostile_url(web_root):
    root, base = web_root
    # built directly: JSON-based importers can hand over names with unpaired surrogates
    builder = ProfileBuilder("cpuprofile", unit="samples")
    main = builder.stack(-1, builder.frame("main", "file<1>.js", line=3))
    for i, name in enumerate(HOSTILE):
        kind = FrameKind.USER if i % 2 else FrameKind.NATIVE
        node = builder.stack(main, builder.frame(name, f"javascript:alert('f{i}')", kind=kind))
        builder.sample(node, i + 1)
    profile = builder.build()
    options = FlameOptions(title="<script>alert('t')</script>", subtitle="]]>", notes="</svg>")
    (root / "x.svg").write_text(render_svg(profile, options), encoding="utf-8")
    (root / "x.html").write_text(render_html(profile, options), encoding="utf-8")
    return base


@pytest.mark.parametrize("doc", ["x.svg", "x.html"])
def test_hostile_names_run_no_script_and_show_as_text(page, hostile_url, doc):
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    ready(page, hostile_url + doc)
    shown = names(page)
    for i in range(len(shown)):
        frame(page, i).hover(force=True)
        assert page.text_content(".fk-details").startswith("Function: " + shown[i])
    for i in range(1, len(shown)):
        frame(page, i).click(force=True)
        page.click(".fk-unzoom")
    assert page.dialogs == []
    assert page.errors == []
    # each payload shows up literally as a frame name (lone surrogates become U+FFFD)
    for payload in HOSTILE[:6]:
        assert payload in shown
    assert "\ufffdlone" in shown
    assert "rtl[U+202E]gnp.exe" in shown
    assert page.evaluate("document.querySelectorAll('script').length") == 2
    assert page.evaluate("document.querySelectorAll('img, iframe, a, foreignObject').length") == 0
    # the static parts (a <title> and a label per frame) hold the same names as text
    titles, labels = page.evaluate(
        """[Array.from(document.querySelectorAll('.fk-frames > g')).map(
               g => g.querySelector('title').textContent),
           Array.from(document.querySelectorAll('.fk-frames > g')).map(
               g => (g.querySelector('text') || {}).textContent || '')]"""
    )
    for name, title, label in zip(shown, titles, labels, strict=True):
        assert title.startswith(name + " ")
        # the label is the name (cut with '..'), and its share when that fits too
        assert name.startswith(re.sub(r" \d+\.\d%$", "", label).removesuffix(".."))
    assert sum(1 for label in labels if "<" in label) >= 4  # payloads drawn (cut) as labels
    first = shown.index(HOSTILE[0])
    frame(page, first).hover(force=True)
    assert "(javascript:alert('f0'))" in page.text_content(".fk-details")
    title = page.text_content(".fk-title")
    assert title == "<script>alert('t')</script>"
