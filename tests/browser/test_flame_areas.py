"""Area chips: hiding a code area in the page gives its frames' time to their callers and draws
the graph that ``flamekit flame --hide-area`` draws; static renderings show no chips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from flamekit.cli import cli

pytestmark = pytest.mark.browser

SAMPLES = Path(__file__).parents[2] / "samples"
NODE = SAMPLES / "cpuprofile" / "server.cpuprofile"
PYTHON = SAMPLES / "pyspy" / "threads.speedscope.json"
PERF = SAMPLES / "perf" / "templates.perf.txt"

BOXES = """() => [...document.querySelectorAll('svg.flamekit .fk-frames > g')].map(g => {
    const r = g.querySelector('rect');
    const said = g.querySelector('title').textContent.split('\\n')[0];
    return [said.replace(/ \\([^()]*\\)$/, ''),
            ...['x', 'y', 'width'].map(a => parseFloat(r.getAttribute(a)))];
  })"""


def _flame(out: Path, *args: str) -> None:
    result = CliRunner().invoke(cli, ["flame", *args, "--minwidth", "0", "-o", str(out)])
    assert result.exit_code == 0, result.output


def _boxes(page, url: str, chips: tuple[str, ...] = ()) -> list:
    page.goto(url)
    page.wait_for_function("document.querySelector('svg.flamekit').fkReady")
    for chip in chips:
        page.click(f".fk-area[data-area={chip}]")
    boxes = page.evaluate(BOXES)
    base_y = boxes[0][2]  # heights differ (fewer rows): y is measured from the base
    return [[name, x, y - base_y, w] for name, x, y, w in boxes]


@pytest.mark.parametrize(
    ("sample", "areas"),
    [
        (NODE, ("runtime",)),
        (NODE, ("runtime", "native")),
        (NODE, ("user",)),
        (PYTHON, ("runtime",)),
        (PYTHON, ("dependencies", "user")),
        (PERF, ("native",)),
    ],
)
@pytest.mark.parametrize("ext", ["svg", "html"])
def test_hidden_area_draws_what_hide_area_draws(page, web_root, sample, areas, ext):
    root, base = web_root
    stem = f"areas-{sample.stem}-{'-'.join(areas)}"
    _flame(root / f"{stem}-page.{ext}", str(sample))
    hide = [arg for area in areas for arg in ("--hide-area", area)]
    _flame(root / f"{stem}-cli.{ext}", str(sample), *hide)
    before = _boxes(page, base + f"{stem}-page.{ext}")
    in_page = _boxes(page, base + f"{stem}-page.{ext}", areas)
    from_cli = _boxes(page, base + f"{stem}-cli.{ext}")
    assert page.errors == []
    assert in_page != before  # hiding changed the graph
    assert len(in_page) == len(from_cli)
    for got, want in zip(in_page, from_cli, strict=True):
        assert got[0] == want[0]  # same frame, in the same place in the drawing order
        assert got[1:] == pytest.approx(want[1:], abs=0.11)  # coordinates drawn to 0.1 px


def test_showing_an_area_again_restores_the_graph(page, web_root):
    root, base = web_root
    _flame(root / "areas-toggle.svg", str(NODE))
    before = _boxes(page, base + "areas-toggle.svg")
    page.click(".fk-area[data-area=runtime]")
    assert page.get_attribute(".fk-area[data-area=runtime]", "aria-pressed") == "true"
    page.click(".fk-area[data-area=runtime]")
    assert _boxes(page, base + "areas-toggle.svg", ("runtime", "runtime")) == before


def test_chips_are_the_areas_present(web_root):
    root, _ = web_root
    _flame(root / "areas-list.svg", str(NODE))
    text = (root / "areas-list.svg").read_text(encoding="utf-8")
    assert re.findall(r'data-area="(\w+)"', text) == ["user", "runtime", "native", "gc", "idle"]
    _flame(root / "areas-nojs.svg", str(NODE), "--no-js")
    assert "data-area=" not in (root / "areas-nojs.svg").read_text(encoding="utf-8")


def test_chips_not_drawn_in_an_img(browser, web_root):
    root, base = web_root
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _flame(root / "areas-img.svg", str(NODE))
    live = (root / "areas-img.svg").read_text(encoding="utf-8")
    bare = re.sub(r'<text class="fk-areas.*?</text>', "", live, flags=re.S)
    assert bare != live
    (root / "areas-bare.svg").write_text(bare, encoding="utf-8")
    legend_y = float(re.search(r'class="fk-areas[^>]* y="([\d.]+)"', live).group(1))
    shots = []
    for svg in ("areas-img.svg", "areas-bare.svg"):
        (root / "areas-img.html").write_text(
            f'<!DOCTYPE html><body style="margin:0"><img src="{svg}"></body>', encoding="utf-8"
        )
        page.goto(base + "areas-img.html")
        page.wait_for_function("document.querySelector('img').complete")
        clip = {"x": 700, "y": legend_y - 14, "width": 500, "height": 20}
        shots.append(page.screenshot(clip=clip))
    context.close()
    assert shots[0] == shots[1]


@pytest.mark.parametrize("ext", ["svg", "html"])
def test_hidden_areas_live_in_the_url_hash(page, web_root, ext):
    """A link keeps the chips: clicking one writes it in the hash; opening the link with that
    hash draws what --hide-area draws, with the chips pressed."""
    root, base = web_root
    _flame(root / f"areas-hash.{ext}", str(NODE))
    _flame(root / f"areas-hash-cli.{ext}", str(NODE), "--hide-area", "runtime", "--hide-area", "gc")
    url = base + f"areas-hash.{ext}"
    _boxes(page, url, ("runtime", "gc"))
    assert page.evaluate("location.hash") == "#hide=gc,runtime"
    page.goto("about:blank")
    linked = _boxes(page, url + "#hide=gc,runtime")
    pressed = page.eval_on_selector_all(
        ".fk-area", "cs => cs.map(c => [c.dataset.area, c.getAttribute('aria-pressed')])"
    )
    assert dict(pressed) == {
        "user": "false",
        "runtime": "true",
        "native": "false",
        "gc": "true",
        "idle": "false",
    }
    want = _boxes(page, base + f"areas-hash-cli.{ext}")
    assert [b[0] for b in linked] == [b[0] for b in want]
    for got, exp in zip(linked, want, strict=True):
        assert got[1:] == pytest.approx(exp[1:], abs=0.11)
    _boxes(page, url + "#hide=gc,runtime", ("gc",))
    assert page.evaluate("location.hash") == "#hide=runtime"
    assert page.errors == []
