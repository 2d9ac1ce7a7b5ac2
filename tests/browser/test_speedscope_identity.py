"""The old-shape .cpuprofile gives the same top functions in the real speedscope app as in
flamekit: the app's Sandwich table (sorted by self time) against ``flamekit top``.

The app is the ``speedscope`` npm package found through FLAMEKIT_SPEEDSCOPE_DIR, served as in
test_speedscope_app.py. speedscope names an anonymous function ``(anonymous FILE:LINE)``.
"""

from __future__ import annotations

import json
import re

import orjson
import pytest

from ..conftest import run_cli, sample
from ..test_identity import to_old_shape
from .test_speedscope_app import app_url  # noqa: F401  (the fixture serving the app)

pytestmark = pytest.mark.browser

UNITS = {"ns": 1e-6, "µs": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(ns|µs|ms|s)", text.strip()).groups()
    return float(value) * UNITS[unit]


def sandwich_rows(browser, url: str, path) -> list[tuple[str, float]]:
    """(symbol name, self ms) of the first rows of the app's Sandwich table."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(url)
        with page.expect_file_chooser() as chooser:
            page.get_by_text("Browse", exact=True).click()
        chooser.value.set_files(str(path))
        page.wait_for_function("() => document.title.endsWith(' - speedscope')", timeout=30_000)
        page.get_by_text("Sandwich").click()
        page.get_by_text("Symbol Name").wait_for()
        page.wait_for_timeout(500)
        text = page.inner_text("body")
    finally:
        page.close()
    cells = [c.strip() for c in text.split("Symbol Name", 1)[1].split("\n") if c.strip()]
    rows = []
    for k in range(0, len(cells) - 2, 3):
        _total, self_text, name = cells[k : k + 3]
        rows.append((name, _ms(self_text.split(" (")[0])))
    return rows


def speedscope_name(label: str, name: str, file: str | None, line: int | None) -> str:
    """The name speedscope's Chrome importer gives a function."""
    if name != "(anonymous)" or not file:
        return name
    return f"(anonymous {file.split('/')[-1]}:{line})"


def test_old_shape_top_functions_match_speedscope(tmp_path, browser, app_url):  # noqa: F811
    doc = json.loads(sample("cpuprofile", "anon-cpu.cpuprofile").read_text())
    old = tmp_path / "old.cpuprofile"
    old.write_text(json.dumps(to_old_shape(doc)))
    proc = run_cli("top", "--format", "json", "-n", "8", old)
    assert proc.returncode == 0, proc.stderr
    ours = [
        (speedscope_name(f["label"], f["name"], f["file"], f["line"]), f["self"] / 1e6)
        for f in orjson.loads(proc.stdout)["functions"]
    ]
    theirs = sandwich_rows(browser, app_url, old)[: len(ours)]
    assert [n for n, _ in theirs] == [n for n, _ in ours]
    for (name, want), (_, got) in zip(ours, theirs, strict=True):
        assert got == pytest.approx(want, abs=0.01), name  # the app shows 2 decimals of ms
    assert [n for n, _ in ours].count("get") == 2  # two methods get: two rows in both
