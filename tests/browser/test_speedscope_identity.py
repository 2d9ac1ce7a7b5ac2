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
from ..v8_reference import internal_profiles, without_a_node_chunk
from .test_speedscope_app import app_url  # noqa: F401  (the fixture serving the app)

pytestmark = pytest.mark.browser

UNITS = {"ns": 1e-6, "µs": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(ns|µs|ms|s)", text.strip()).groups()
    return float(value) * UNITS[unit]


def _rows(text: str) -> list[tuple[str, float]]:
    cells = [c.strip() for c in text.split("Symbol Name", 1)[1].split("\n") if c.strip()]
    rows = []
    for k in range(0, len(cells) - 2, 3):
        _total, self_text, name = cells[k : k + 3]
        rows.append((name, _ms(self_text.split(" (")[0])))
    return rows


def _shown_profile(text: str) -> str:
    """The toolbar's 'FILE - PROFILE (k/n)' line, or the file name alone for one profile."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return next((line for line in lines if re.search(r"\(\d+/\d+\)$", line)), lines[1])


def sandwich_rows(browser, url: str, path) -> dict[str, list[tuple[str, float]]]:
    """Per profile of the file (by the name the app shows), (symbol name, self ms) of the first
    rows of the app's Sandwich table."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    out = {}
    try:
        page.goto(url)
        with page.expect_file_chooser() as chooser:
            page.get_by_text("Browse", exact=True).click()
        chooser.value.set_files(str(path))
        page.wait_for_function("() => document.title.endsWith(' - speedscope')", timeout=30_000)
        page.get_by_text("Sandwich").click()
        page.get_by_text("Symbol Name").wait_for()
        for _ in range(3):  # to the first profile
            page.keyboard.press("p")
        page.wait_for_timeout(500)
        while True:
            text = page.inner_text("body")
            title = _shown_profile(text)
            out[title] = _rows(text)
            page.keyboard.press("n")  # the next profile, if any
            page.wait_for_timeout(500)
            if _shown_profile(page.inner_text("body")) == title:
                break
    finally:
        page.close()
    return out


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
    (theirs,) = sandwich_rows(browser, app_url, old).values()
    theirs = theirs[: len(ours)]
    assert [n for n, _ in theirs] == [n for n, _ in ours]
    for (name, want), (_, got) in zip(ours, theirs, strict=True):
        assert got == pytest.approx(want, abs=0.01), name  # the app shows 2 decimals of ms
    assert [n for n, _ in ours].count("get") == 2  # two methods get: two rows in both


def test_lost_chunk_trace_top_functions_match_speedscope(tmp_path, browser, app_url):  # noqa: F811
    """A real trace with one chunk of the worker's profile removed: speedscope leaves out the
    samples it cannot place, flamekit puts them under '(missing frames)'; every function both
    show has the same self time, in the same order, on both threads."""
    events = json.loads(sample("chrome", "page.trace.json").read_text())["traceEvents"]
    internal = internal_profiles(events)
    lossy = tmp_path / "lossy.json"
    lossy.write_text(json.dumps({"traceEvents": without_a_node_chunk(events)}))
    apps = sandwich_rows(browser, app_url, lossy)
    # the app lists a trace's profiles in the time order of their Profile events; flamekit
    # keeps the Internal (tracing) ones, which is what it is compared with
    profiles = sorted(
        (e["ts"], k, (e.get("pid"), e.get("id")))
        for k, e in enumerate(events)
        if e.get("name") == "Profile"
    )
    position = {key: i + 1 for i, (_, _, key) in enumerate(profiles)}
    compared = 0
    for thread in ("CrRendererMain", "DedicatedWorker thread"):
        (theirs,) = [
            rows
            for title, rows in apps.items()
            if f"- {thread} (" in title
            and any(f"({position[key]}/{len(profiles)})" in title for key in internal)
        ]
        proc = run_cli("top", "--format", "json", "-n", "0", "--thread", thread, lossy)
        assert proc.returncode == 0, proc.stderr
        assert b"(missing frames)" in proc.stderr
        ours = [
            (speedscope_name(f["label"], f["name"], f["file"], f["line"]), f["self"] / 1e6)
            for f in orjson.loads(proc.stdout)["functions"]
            if f["name"] not in ("(idle)", "(missing frames)") and f["self"] > 0
        ]
        k = min(6, len(theirs))
        assert [n for n, _ in theirs[:k]] == [n for n, _ in ours[:k]], thread
        for (name, want), (_, got) in zip(ours[:k], theirs[:k], strict=True):
            assert got == pytest.approx(want, abs=0.01), (thread, name)
        compared += k
    assert compared >= 7
