"""The sync-block report in Chromium: bubbles, click-through block lists, timeline, SVG image."""

from __future__ import annotations

import itertools
import json

import orjson
import pytest

from ..conftest import run_cli, sample

pytestmark = pytest.mark.browser

BLOCKS = sample("blocks", "blocks.cpuprofile")


def make(web_root, name: str, *args: str, profile=BLOCKS) -> str:
    folder, base = web_root
    res = run_cli("blocks", str(profile), "-o", str(folder / name), *args)
    assert res.returncode == 0, res.stderr.decode()
    return base + name


def report_json(profile=BLOCKS, *args: str) -> dict:
    res = run_cli("blocks", str(profile), "--format", "json", *args)
    assert res.returncode == 0, res.stderr.decode()
    return orjson.loads(res.stdout)


def fmt_ms(ms: float) -> str:
    """flamekit's compact durations, written out again for the test."""
    return f"{ms:.1f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def test_bubbles_have_the_right_labels(page, web_root):
    report = report_json()
    by_entry: dict[str, list[float]] = {}
    for b in report["blocks"]:
        by_entry.setdefault(b["entry"], []).append(b["duration_ms"])
    page.goto(make(web_root, "bubbles.html"))
    bubbles = page.locator("#bubbles .bubble")
    assert bubbles.count() == len(by_entry) == 5
    seen = {}
    for i in range(bubbles.count()):
        bubble = bubbles.nth(i)
        label = bubble.get_attribute("data-label")
        seen[label] = bubble.get_attribute("data-detail")
        # the name is drawn inside the bubble, whole or cut in the middle where it is longer
        # than the bubble (the startup block's "(anonymous) blocks.js:1")
        drawn = bubble.locator(".bubble-name").text_content()
        if drawn != label:
            head, tail = drawn.split("…")
            assert label.startswith(head) and label.endswith(tail) and len(head) >= 2, drawn
        assert bubble.locator("circle").bounding_box()["width"] > 30
    for entry, durations in by_entry.items():
        count = len(durations)
        total = sum(durations)
        assert seen[entry].startswith(f"{count} block{'s' if count > 1 else ''} · ")
        shown = float(seen[entry].split("· ")[1].split()[0])
        assert shown == pytest.approx(total, abs=0.1)
    # biggest bubble = most blocked time
    radii = {
        bubbles.nth(i).get_attribute("data-label"): float(
            bubbles.nth(i).locator("circle").get_attribute("r")
        )
        for i in range(bubbles.count())
    }
    longest = max(by_entry, key=lambda e: sum(by_entry[e]))
    assert max(radii, key=radii.get) == longest == "handleRequest"
    # areas proportional to blocked time
    a, b = radii["handleRequest"], radii["timerBlock"]
    ratio = sum(by_entry["handleRequest"]) / sum(by_entry["timerBlock"])
    assert (a / b) ** 2 == pytest.approx(ratio, rel=0.01)
    assert page.errors == []


def test_click_lists_the_blocks_with_stacks_and_a_mini_flamegraph(page, web_root):
    report = report_json()
    http = next(b for b in report["blocks"] if b["entry"] == "handleRequest")
    page.goto(make(web_root, "click.html"))
    assert page.locator("#detail .block").count() == 0
    page.locator('#bubbles .bubble[data-label="handleRequest"]').click()
    detail = page.locator("#detail")
    assert detail.locator("h2").text_content() == "handleRequest"
    items = detail.locator(".block-list > li")
    assert items.count() == 1
    assert fmt_ms(http["duration_ms"]) in items.nth(0).locator(".block-head").text_content()
    frames = items.nth(0).locator(".frames li .fn").all_text_contents()
    assert frames == [f["label"] for f in http["stack"]]  # display names (two named now)
    # the mini flamegraph: one rectangle per frame, the entry among them
    titles = detail.locator(".mini-flame .frame title").all_text_contents()
    assert any(t.startswith("handleRequest (") for t in titles)
    assert any(t.startswith("busy (") for t in titles)
    # the selected bubble is marked, and the block's timeline bar too
    assert "selected" in page.locator('.bubble[data-label="handleRequest"]').get_attribute("class")
    index = report["blocks"].index(http)
    assert "selected" in page.locator(f'#timeline .bar[data-block="{index}"]').get_attribute(
        "class"
    )
    # a bar and a table row lead to their blocks too
    parse = next(i for i, b in enumerate(report["blocks"]) if b["entry"] == "parsePayload")
    page.locator(f'#timeline .bar[data-block="{parse}"]').click()
    assert detail.locator("h2").text_content() == "parsePayload"
    page.locator('#longest tbody tr[data-block="0"]').click()
    assert detail.locator("h2").text_content() == report["blocks"][0]["entry"]
    assert page.errors == []


def test_timeline_bars_sit_at_their_true_time(page, web_root):
    report = report_json()
    page.goto(make(web_root, "timeline.html"))
    lane = page.locator("#timeline .lane").first.bounding_box()
    bars = page.locator("#timeline .bar")
    assert bars.count() == len(report["blocks"])
    profile_ms = report["profile_ms"]
    for i, b in enumerate(report["blocks"]):
        box = page.locator(f'#timeline .bar[data-block="{i}"]').bounding_box()
        assert (box["x"] - lane["x"]) / lane["width"] == pytest.approx(
            b["start_ms"] / profile_ms, abs=0.002
        )
        assert box["width"] / lane["width"] == pytest.approx(
            b["duration_ms"] / profile_ms, abs=0.002
        )
    # idle in between: bars do not touch
    boxes = sorted(
        (page.locator(f'#timeline .bar[data-block="{i}"]').bounding_box() for i in range(5)),
        key=lambda b: b["x"],
    )
    for a, b in itertools.pairwise(boxes):
        assert b["x"] - (a["x"] + a["width"]) > 20


def test_svg_opens_as_a_static_image(page, web_root):
    url = make(web_root, "report.svg")
    folder, base = web_root
    (folder / "img.html").write_text(
        '<!DOCTYPE html><body style="margin:0"><img id="i" src="report.svg"></body>'
    )
    page.goto(base + "img.html")
    page.wait_for_function("document.getElementById('i').complete")
    size = page.evaluate(
        "[document.getElementById('i').naturalWidth, document.getElementById('i').naturalHeight]"
    )
    assert size[0] > 500 and size[1] > 300
    stats = page.evaluate(
        """() => {
        const img = document.getElementById('i');
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set();
        let ink = 0;
        for (let i = 0; i < d.length; i += 4) {
            colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
            if (d[i] + d[i + 1] + d[i + 2] < 700) ink++;
        }
        return {colours: colours.size, ink: ink / (d.length / 4)};
    }"""
    )
    assert stats["colours"] > 20  # bubbles in several area colours, text, the timeline
    assert stats["ink"] > 0.05
    page.goto(url)  # and on its own
    assert page.locator("circle").count() == 5
    assert page.errors == []


HOSTILE = [
    '<img src=x onerror="window.__pwned=1">',
    "</script><script>window.__pwned=2</script>",
    '"><svg onload="window.__pwned=3">',
    "{{ 7*7 }}&amp;",
]


def hostile_profile(path) -> None:
    """A hand-written .cpuprofile whose function names and URLs try to run script."""
    nodes = [
        {"id": 1, "callFrame": frame("(root)", ""), "children": [2, 3, 6]},
        {"id": 2, "callFrame": frame("(idle)", "")},
        {"id": 3, "callFrame": frame(HOSTILE[0], "file:///app/" + HOSTILE[2]), "children": [4]},
        {"id": 4, "callFrame": frame(HOSTILE[1], "file:///app/x.js"), "children": [5]},
        {"id": 5, "callFrame": frame(HOSTILE[3], "file:///app/x.js")},
        {"id": 6, "callFrame": frame(HOSTILE[2], "file:///app/" + HOSTILE[1])},
    ]
    samples = [2] * 10 + [5] * 30 + [2] * 10 + [6] * 20 + [2] * 10
    doc = {
        "nodes": nodes,
        "startTime": 1000,
        "endTime": 1000 + 1000 * len(samples),
        "samples": samples,
        "timeDeltas": [1000] * len(samples),
    }
    path.write_text(json.dumps(doc))


def frame(name: str, url: str) -> dict:
    return {"functionName": name, "scriptId": "1", "url": url, "lineNumber": 3, "columnNumber": 1}


def test_hostile_names_cannot_run_script(page, web_root, tmp_path):
    profile = tmp_path / "hostile.cpuprofile"
    hostile_profile(profile)
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(make(web_root, "hostile.html", profile=profile))
    bubbles = page.locator("#bubbles .bubble")
    assert bubbles.count() == 2
    labels = set()
    for i in range(bubbles.count()):
        bubbles.nth(i).click()
        labels.add(page.locator("#detail h2").text_content())
        for summary in page.locator("#detail details summary").all():
            summary.click()
    assert labels == {HOSTILE[0], HOSTILE[2]}
    text = page.locator("body").inner_text()
    assert HOSTILE[1] in text and HOSTILE[3] in text
    assert page.evaluate("window.__pwned") is None
    # nothing was injected: the page's own two scripts (data, code) and no images or frames
    assert page.locator("script").count() == 2
    assert page.locator("img, iframe, object, embed").count() == 0
    page.goto(make(web_root, "hostile.svg", profile=profile))
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == [] and page.errors == []
