"""The flame chart in headless Chromium: hover shows start and duration, zoom works on time;
the Matched % says when frames were left out."""

from __future__ import annotations

from pathlib import Path

import pytest

import flamekit
from flamekit.builder import ProfileBuilder
from flamekit.render.flame import FlameOptions, render_html, render_svg

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent.parent / "data"
MS = 1_000_000


@pytest.fixture(scope="module")
def chart_url(web_root, tmp_path_factory):
    root, base = web_root
    profile = flamekit.load([str(DATA / "timeline.cpuprofile")])
    options = FlameOptions(flamechart=True)
    (root / "chart.svg").write_text(render_svg(profile, options), encoding="utf-8")
    (root / "chart.html").write_text(render_html(profile, options), encoding="utf-8")
    builder = ProfileBuilder("test", unit="nanoseconds")
    one = builder.thread(1, 11, "main")
    two = builder.thread(1, 12, "worker")
    a = builder.stack(-1, builder.frame("A"))
    for t in range(10):
        builder.sample(a, MS, time=t * MS, thread=one)
    for t in range(4, 8):
        builder.sample(a, MS, time=t * MS, thread=two)
    lanes = render_svg(builder.build(), FlameOptions(flamechart=True))
    (root / "lanes.svg").write_text(lanes, encoding="utf-8")
    src = tmp_path_factory.mktemp("src") / "narrow.folded"
    src.write_text("main;a 1000\nmain;tiny 1\n", encoding="utf-8")
    narrow = flamekit.load([str(src)])
    (root / "narrow.svg").write_text(render_svg(narrow, FlameOptions(minwidth="2")), "utf-8")
    return base


def ready(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("document.querySelector('.fk-frames').ownerSVGElement.fkReady")


def geometry(page) -> list[tuple[str, str, str]]:
    return page.evaluate(
        """Array.from(document.querySelectorAll('.fk-frames > g')).map(g => {
            const r = g.querySelector('rect');
            return [r.getAttribute('x'), r.getAttribute('width'), g.getAttribute('class') || ''];
        })"""
    )


def frame(page, index: int):
    return page.locator(f".fk-frames > g:nth-child({index + 1}) > rect")


# drawing order of timeline.cpuprofile: all, main 0-4 ms, work 1-4 ms, main 7-12 ms, work 8-10 ms
ALL, MAIN1, WORK1, MAIN2, WORK2 = range(5)


@pytest.mark.parametrize("doc", ["chart.svg", "chart.html"])
def test_hover_shows_start_and_duration(page, chart_url, doc):
    ready(page, chart_url + doc)
    frame(page, MAIN2).hover()
    text = page.text_content(".fk-details")
    assert text.startswith("Function: main (file:///srv/app/timeline.js:1)")
    assert "5.0 ms, 5 samples, 41.67% of total" in text
    assert text.endswith("; start: 7.000 ms; duration: 5.0 ms")
    frame(page, WORK1).hover()
    assert page.text_content(".fk-details").endswith("; start: 1.000 ms; duration: 3.0 ms")
    assert page.errors == []


@pytest.mark.parametrize("doc", ["chart.svg", "chart.html"])
def test_zoom_spreads_the_time_range(page, chart_url, doc):
    ready(page, chart_url + doc)
    before = geometry(page)
    # 1180 px for 12 ms: the second main starts at 7 ms
    assert before[MAIN2][:2] == [str(round(10 + 7 * 1180 / 12, 1)), str(round(5 * 1180 / 12, 1))]
    frame(page, MAIN2).click()
    after = geometry(page)
    assert after[MAIN2][:2] == ["10", "1180"]
    # work ran 8-10 ms of main's 7-12 ms
    assert after[WORK2][:2] == [str(10 + 1180 // 5), str(2 * 1180 // 5)]
    assert "fk-hidden" in after[MAIN1][2] and "fk-hidden" in after[WORK1][2]
    assert "fk-parent" in after[ALL][2]
    assert page.evaluate("location.hash") == f"#zoom={MAIN2}"
    page.once("dialog", lambda d: d.accept("^work$"))
    page.keyboard.press("/")
    page.wait_for_function("document.querySelector('.fk-matched').textContent.length > 0")
    assert page.text_content(".fk-matched") == "Matched: 40.00% of zoomed frame"
    page.click(".fk-unzoom")
    assert [g[:2] for g in geometry(page)] == [g[:2] for g in before]
    assert page.text_content(".fk-matched") == "Matched: 41.67%"
    assert page.errors == []


def test_matched_percent_says_it_counts_drawn_frames(page, chart_url):
    ready(page, chart_url + "narrow.svg")
    assert "1 frame narrower than 2 px not drawn" in page.text_content(".fk-omitted")
    page.once("dialog", lambda d: d.accept("^(a|tiny)$"))
    page.keyboard.press("/")
    page.wait_for_function("document.querySelector('.fk-matched').textContent.length > 0")
    # 'tiny' (1 of 1001 samples) is not in the file, so only 'a' counts
    assert page.text_content(".fk-matched") == f"Matched: {100 * 1000 / 1001:.2f}% of drawn frames"
    assert page.errors == []


def test_thread_lanes_zoom_one_at_a_time(page, chart_url):
    ready(page, chart_url + "lanes.svg")
    # all, main (11), A, worker (12), A: worker's lane is above main's
    before = geometry(page)
    ys = page.evaluate(
        "Array.from(document.querySelectorAll('.fk-frames rect')).map(r => +r.getAttribute('y'))"
    )
    assert ys[3] < ys[2] < ys[1] < ys[0]
    frame(page, 3).hover()
    assert page.text_content(".fk-details").startswith("Function: worker (12) \u2014 4.0 ms")
    frame(page, 3).click()
    after = geometry(page)
    assert after[3][:2] == ["10", "1180"] and after[4][:2] == ["10", "1180"]
    assert "fk-hidden" in after[1][2] and "fk-hidden" in after[2][2]
    page.keyboard.press("Escape")
    assert [g[:2] for g in geometry(page)] == [g[:2] for g in before]
    assert page.errors == []


@pytest.mark.parametrize("doc", ["chart.svg", "chart.html"])
def test_time_ruler_follows_zoom(page, chart_url, doc):
    """The ruler the script draws for each zoomed frame has the ticks and labels that
    time_ticks gives for that frame's time window; unzoomed, those of the static file."""
    from flamekit.render.flamechart import time_ticks

    def shown() -> list[str]:
        return page.evaluate(
            "Array.from(document.querySelectorAll('.fk-ruler text')).map(t => t.textContent)"
        )

    ready(page, chart_url + doc)
    data = page.evaluate("JSON.parse(document.querySelector('.fk-data').textContent)")
    static = shown()
    assert static[:3] == ["0 ms", "2 ms", "4 ms"]
    plot = data["width"] - 2 * data["xpad"]
    char_px = data["fontsize"] * data["fontwidth"]
    for z in range(len(data["names"])):
        start, span = data["t0"] + data["gx0"][z], data["gw"][z]
        expected = [
            label
            for t, label in time_ticks(start, span, plot)
            if data["xpad"] + (t - start) / span * plot + 2 + len(label) * char_px <= data["width"]
        ]
        ready(page, f"{chart_url}{doc}#zoom={z}")
        assert shown() == expected, z
    frame(page, MAIN2).click()
    assert shown()[0] == "7.0 ms"
    page.click(".fk-unzoom")
    assert shown() == static
    assert page.errors == []


@pytest.mark.parametrize("doc", ["deep-chart.svg", "deep-chart.html"])
def test_deep_chart_first_view_fits_and_stubs_open(browser, web_root, doc):
    """A deep one-thread chart starts inside 1280x800, its base drawn, its towers cut to dashed
    stubs; clicking a stub brings the frames above it into view."""
    root, base = web_root
    profile = flamekit.load(
        [str(DATA.parent.parent / "samples" / "cpuprofile" / "server.cpuprofile")]
    )
    assert int(profile.stacks.depth.max()) > 200 and len(profile.threads) == 1
    render = render_html if doc.endswith(".html") else render_svg
    (root / doc).write_text(render(profile, FlameOptions(flamechart=True)), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    ready(page, base + doc)
    svg_box = page.evaluate("document.querySelector('svg.flamekit').getBoundingClientRect().bottom")
    root_box = page.evaluate(
        "document.querySelector('.fk-frames > g rect').getBoundingClientRect().toJSON()"
    )
    assert svg_box <= 800 and root_box["top"] >= 0 and root_box["bottom"] <= 800
    stub = page.evaluate(
        """() => { const gs = [...document.querySelectorAll('.fk-frames > g')];
             let best = -1, w = -1;
             gs.forEach((g, i) => { const r = g.querySelector('rect').getBBox();
               if (g.classList.contains('fk-stub') && r.width > w) { w = r.width; best = i; } });
             return best; }"""
    )
    assert stub > 0
    above = stub + 1  # its first callee, in depth-first order
    cls = page.locator(f".fk-frames > g:nth-child({above + 1})").get_attribute("class")
    assert "fk-deep" in cls
    frame(page, stub).click()
    cls = page.locator(f".fk-frames > g:nth-child({above + 1})").get_attribute("class")
    assert "fk-deep" not in (cls or "")
    box = frame(page, above).bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 800
    context.close()


LANE_VIEW = """() => [...document.querySelectorAll('.fk-frames > g')].map((g, i) => {
  const r = g.querySelector('rect').getBoundingClientRect();
  const t = g.querySelector('text');
  const tb = t && t.textContent ? t.getBoundingClientRect() : null;
  const inside = (b) => !!b && b.width > 0 && b.left >= 0 && b.top >= 0 &&
                        b.right <= innerWidth && b.bottom <= innerHeight;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {i, width: r.width, shown: getComputedStyle(g).display !== 'none', rect: inside(r),
          label: inside(tb) ? t.textContent : '', onTop: !!hit && g.contains(hit),
          cls: g.getAttribute('class') || ''};
})"""


@pytest.mark.parametrize("doc", ["lanes-deep.svg", "lanes-deep.html", "lanes-deep-nojs.svg"])
def test_deep_lanes_first_view_fits(browser, web_root, doc):
    """A real three-thread perf capture, 90 frames deep: its chart starts inside 1280x800 with
    every lane's root and the widest frames drawn and labelled; a lane's dashed stub opens that
    lane over the whole height, and Escape brings the first view back."""
    root, base = web_root
    profile = flamekit.load([str(DATA.parent.parent / "samples" / "perf" / "node-jit.perf.txt")])
    assert int(profile.stacks.depth.max()) > 80 and len(profile.threads) == 3
    options = FlameOptions(flamechart=True, js=not doc.endswith("-nojs.svg"))
    render = render_html if doc.endswith(".html") else render_svg
    (root / doc).write_text(render(profile, options), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + doc)
    if options.js:
        page.wait_for_function("document.querySelector('.fk-frames').ownerSVGElement.fkReady")
    bottom = "document.querySelector('svg.flamekit').getBoundingClientRect().bottom"
    assert page.evaluate(bottom) <= 800
    frames = page.evaluate(LANE_VIEW)
    titles = page.evaluate(
        "[...document.querySelectorAll('.fk-frames > g > title')].map(t => t.textContent)"
    )
    drawn = [f for f in frames if f["shown"]]
    assert all(f["rect"] for f in drawn)  # nothing drawn below the fold
    for f in sorted(drawn, key=lambda f: -f["width"])[:12]:
        assert f["onTop"] and f["label"], titles[f["i"]]
    lanes = [f for f, t in zip(frames, titles, strict=True) if t.startswith("node (65")]
    assert len(lanes) == 3 and all(f["rect"] for f in lanes)  # every lane's root
    if not options.js:
        assert "deeper frames not drawn" in page.text_content("svg.flamekit")  # towers cut
        context.close()
        return
    assert any("fk-deep" in f["cls"] for f in frames)
    data = page.evaluate("JSON.parse(document.querySelector('.fk-data').textContent)")
    stubs = [f["i"] for f in lanes if "fk-stub" in f["cls"]]
    assert stubs, "a lane cut to its root row is marked as a stub"
    lane = stubs[0]
    frame(page, lane).click()
    opened = page.evaluate(LANE_VIEW)
    inside = [f for f in opened if f["shown"] and lane < f["i"] <= data["end"][lane]]
    assert max(data["depth"][f["i"]] for f in inside) > 2  # the lane's callees came into view
    assert all(f["rect"] for f in opened if f["shown"])
    page.keyboard.press("Escape")
    assert [f["cls"] for f in page.evaluate(LANE_VIEW)] == [f["cls"] for f in frames]
    assert errors == []
    context.close()
