"""Headless Chromium through Playwright, and a loopback-only HTTP server for test pages."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_browser() -> None:
    """Skip without Chromium, or fail when FLAMEKIT_REQUIRE_BROWSER=1: the one rule."""
    if not CHROMIUM.exists():
        if os.environ.get("FLAMEKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and FLAMEKIT_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is missing")


@pytest.fixture(scope="session")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def web_root(tmp_path_factory):
    """A folder served at ``http://127.0.0.1:PORT/``; yields (folder, base URL)."""
    root = tmp_path_factory.mktemp("web")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 600})
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    context.close()


SERVER_SAMPLE = Path(__file__).parents[2] / "samples" / "cpuprofile" / "server.cpuprofile"


@pytest.fixture(scope="session")
def server_pages(web_root):
    """The deep real ``server.cpuprofile`` rendered once, served as ``server.svg``,
    ``server.html``, ``server-nojs.svg`` and ``server-nojs.html``; yields the base URL."""
    import flamekit
    from flamekit.render.flame import FlameOptions, render_html, render_svg

    root, base = web_root
    profile = flamekit.load(str(SERVER_SAMPLE))
    static = FlameOptions(js=False)
    (root / "server.svg").write_text(render_svg(profile), encoding="utf-8")
    (root / "server.html").write_text(render_html(profile), encoding="utf-8")
    (root / "server-nojs.svg").write_text(render_svg(profile, static), encoding="utf-8")
    (root / "server-nojs.html").write_text(render_html(profile, static), encoding="utf-8")
    return base
