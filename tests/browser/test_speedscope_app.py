"""flamekit's speedscope export opens in the real speedscope app (headless Chromium).

The app is the ``speedscope`` package from the npm registry, installed by ``.ci/run`` and found
through FLAMEKIT_SPEEDSCOPE_DIR (the package folder, holding ``dist/release/index.html``). Each
export is loaded through the app's own "Browse" file import.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import threading
from pathlib import Path

import orjson
import pytest

from ..conftest import ROOT, run_cli

pytestmark = pytest.mark.browser

SAMPLES = sorted(
    [p for p in (ROOT / "samples/pyspy").iterdir() if p.is_file()]
    + [ROOT / "samples/folded/deep.folded"],
    key=str,
)


def _require(reason: str) -> None:
    if os.environ.get("FLAMEKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (FLAMEKIT_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def app_url():
    """Serve speedscope's built app from 127.0.0.1."""
    package = os.environ.get("FLAMEKIT_SPEEDSCOPE_DIR")
    if not package:
        _require("FLAMEKIT_SPEEDSCOPE_DIR is not set")
    release = Path(package) / "dist" / "release"
    if not (release / "index.html").is_file():
        _require(f"no speedscope build at {release}")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(release))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# Share of clearly coloured pixels a drawn flame chart has at least (the shallowest sample, four
# frames deep, colours about 7% of the chart; the landing page before an import about 2%).
SATURATED = 0.05

# Counts the colours of a PNG screenshot by drawing it onto a 2D canvas in the page itself.
COLOUR_STATS = """
async (data) => {
  const img = new Image();
  img.src = "data:image/png;base64," + data;
  await img.decode();
  const c = document.createElement("canvas");
  c.width = img.width; c.height = img.height;
  const ctx = c.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, c.width, c.height).data;
  const colours = new Set();
  let saturated = 0;
  for (let i = 0; i < px.length; i += 4) {
    const r = px[i], g = px[i + 1], b = px[i + 2];
    colours.add((r << 16) | (g << 8) | b);
    if (Math.max(r, g, b) - Math.min(r, g, b) > 24) saturated++;
  }
  return {colours: colours.size, saturated: saturated / (px.length / 4)};
}
"""


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_export_opens_in_speedscope(sample, tmp_path, app_url, browser):
    out = tmp_path / f"{sample.name}.speedscope.json"
    proc = run_cli("convert", sample, "-o", out)
    assert proc.returncode == 0, proc.stderr
    check_opens_in_app(out, app_url, browser)


def test_sampled_time_line_opens_in_speedscope(tmp_path, app_url, browser, monkeypatch):
    """A timed profile written as sampled stacks with empty samples for the gaps (as exports
    whose events would explode are) opens too."""
    from flamekit.render import speedscope

    from ..test_speedscope import jumpy_profile

    monkeypatch.setattr(speedscope, "EVENTED_LIMIT", 0)
    out = tmp_path / "jumpy.speedscope.json"
    out.write_bytes(speedscope.render_speedscope(jumpy_profile(samples=3000)))
    doc = orjson.loads(out.read_bytes())
    assert {p["type"] for p in doc["profiles"]} == {"sampled"}
    assert any(not s for p in doc["profiles"] for s in p["samples"])  # gaps are empty samples
    check_opens_in_app(out, app_url, browser)


def check_opens_in_app(out: Path, app_url: str, browser) -> None:
    """Import ``out`` through the app's Browse button; its flame chart must be drawn."""
    doc = orjson.loads(out.read_bytes())
    first_profile = doc["profiles"][0]["name"]

    page = browser.new_page(viewport={"width": 1200, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on(
        "console",
        lambda m: problems.append(f"console error: {m.text}") if m.type == "error" else None,
    )
    try:
        page.goto(app_url)
        with page.expect_file_chooser() as chooser:
            page.get_by_text("Browse", exact=True).click()
        chooser.value.set_files(str(out))
        # the app names the tab after the file's name field once the import succeeded
        page.wait_for_function(
            "expected => document.title === expected",
            arg=f"{doc['name']} - speedscope",
            timeout=30_000,
        )
        page.wait_for_timeout(500)
        assert not problems, problems
        text = page.inner_text("body")
        assert "Something went wrong" not in text
        assert first_profile in text
        if len(doc["profiles"]) > 1:
            assert f"(1/{len(doc['profiles'])})" in text
        # the flame chart is the last (lowest) canvas: it must show coloured frames
        canvases = page.locator("canvas")
        assert canvases.count() >= 2
        box = canvases.last.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
        shot = page.screenshot(clip=box)
        stats = page.evaluate(COLOUR_STATS, base64.b64encode(shot).decode())
        assert stats["colours"] > 20, stats
        assert stats["saturated"] > SATURATED, stats
    finally:
        page.close()


def test_blank_page_fails_the_colour_check(app_url, browser):
    """The canvas check can fail: the landing page before any import does not pass it."""
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    try:
        page.goto(app_url)
        page.get_by_text("Browse", exact=True).wait_for()
        shot = page.screenshot()
        stats = page.evaluate(COLOUR_STATS, base64.b64encode(shot).decode())
        assert stats["saturated"] <= SATURATED, stats
    finally:
        page.close()
