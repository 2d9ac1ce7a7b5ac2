"""Names are data: hostile frame, file and thread names cannot act on a terminal or a PR comment."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import orjson
import pytest

from flamekit.escape import escape_controls, markdown_code

from .conftest import run_cli, sample

# one of each kind of character that could act on a terminal
HOSTILE = {
    "now": "now\x1b[2J\x1b[31mred",  # clear screen, colour
    "parsePayload": "parse\rPayload\u202eevil",  # carriage return, right-to-left override
    "busy": "busy\x08\x08\x9b6n",  # backspaces, C1 control sequence introducer
}
HOSTILE_URL = "file:///srv/app/bl\x1b]0;owned\x07ocks.js"  # an OSC title sequence
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def hostile_profile(tmp_path_factory):
    doc = orjson.loads(sample("blocks", "blocks.cpuprofile").read_bytes())
    for node in doc["nodes"]:
        frame = node["callFrame"]
        frame["functionName"] = HOSTILE.get(frame["functionName"], frame["functionName"])
        if frame["url"].endswith("/blocks.js"):
            frame["url"] = HOSTILE_URL
    path = tmp_path_factory.mktemp("hostile") / "hostile.cpuprofile"
    path.write_bytes(orjson.dumps(doc))
    return path


def commands(path):
    folder = path.parent
    before = folder / "before\x1b[2J.folded"  # file names can hold escapes too
    before.write_text("main;ok 500\n")
    after = folder / "after.folded"
    after.write_text(f"main;ok 100\nmain;{HOSTILE['now']} 200\nmain;{HOSTILE['busy']} 200\n")
    return {
        "info": ("info", path),
        "top": ("top", path),
        "hotpaths": ("hotpaths", path, "-n", "20"),
        "calls": ("calls", path, "now|parse|busy"),
        "blocks": ("blocks", path),
        "diff": ("diff", before, after),
    }


@pytest.mark.parametrize("command", ["info", "top", "hotpaths", "calls", "blocks", "diff"])
def test_terminal_text_shows_control_characters_escaped(hostile_profile, command):
    proc = run_cli(*commands(hostile_profile)[command])
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    assert not UNSAFE.search(text), [m.group() for m in UNSAFE.finditer(text)][:5]
    assert not UNSAFE.search(proc.stderr.decode())
    # the names are still there, escaped
    assert "now\\x1b[2J\\x1b[31mred" in text
    if command != "blocks":
        assert "busy\\x08\\x08\\x9b6" in text
    if command in ("hotpaths", "calls"):
        assert "parse\\x0dPayload\\u202eevil" in text
    if command == "diff":
        assert "before\\x1b[2J.folded" in text


def test_escape_controls():
    assert escape_controls("plain name (file.js:3) λ → ü") == "plain name (file.js:3) λ → ü"
    assert escape_controls("a\x1b[0mb\tc\nd\x7f\x85\u2028\u2066") == (
        "a\\x1b[0mb\\x09c\\x0ad\\x7f\\x85\\u2028\\u2066"
    )
    # an unpaired surrogate (from undecodable bytes) cannot even be encoded for a terminal
    assert escape_controls("bad\udcff").encode("utf-8") == b"bad\\udcff"


# -- markdown, checked with GitHub's own renderer (cmark-gfm) -------------------------------------

MD_HOSTILE = [
    "https://evil.example/path",
    "www.evil.example",
    "a|b",
    "x `y` z",
    "`lead",
    "trail`",
    "back\\|slash",
    "*bold* _em_ ~~del~~",
    "<img src=x onerror=alert(1)>",
    "[link](https://evil.example)",
    "AT&T &#65 &copy",  # (no ';': it separates frames in folded stacks)
    "line\nbreak",
]


class Cells(HTMLParser):
    """Every table row as its cells' tags and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[dict]]] = []
        self.rows: list[list[dict]] = []
        self.cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.rows.append([])
            self.tables[-1].append(self.rows[-1])
        elif tag in ("td", "th"):
            self.cell = {"tags": [], "text": ""}
            self.rows[-1].append(self.cell)
        elif self.cell is not None:
            self.cell["tags"].append(tag)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def render_gfm(md: str) -> str:
    import cmarkgfm
    from cmarkgfm.cmark import Options

    # unsafe: keep raw HTML, so that an unescaped tag would show up as a tag
    return cmarkgfm.github_flavored_markdown_to_html(md, options=Options.CMARK_OPT_UNSAFE)


def test_markdown_names_render_as_literal_code(tmp_path):
    before = tmp_path / "b.folded"
    before.write_text("main;ok 500\n")
    after = tmp_path / "a.folded"
    lines = ["main;ok 100"] + [
        f"main;{name.replace(chr(10), chr(11))} {40 + i}" for i, name in enumerate(MD_HOSTILE)
    ]
    after.write_text("\n".join(lines) + "\n")
    proc = run_cli("diff", before, after, "--format", "markdown", "-n", "20")
    assert proc.returncode == 0, proc.stderr
    md = proc.stdout.decode()
    html = render_gfm(md)
    parser = Cells()
    parser.feed(html)
    assert "<a " not in html and "<img" not in html, html
    names = set()
    function_tables = [t for t in parser.tables if t[0][0]["text"] == "function"]
    assert function_tables
    for table in function_tables:
        for row in table[1:]:
            assert len(row) == len(table[0]) == 7, row  # no name adds or removes a cell
            assert row[0]["tags"] == ["code"], row[0]
            names.add(row[0]["text"])
    expected = {escape_controls(n.replace("\n", "\x0b")) for n in MD_HOSTILE}
    assert expected <= names, expected - names


@pytest.mark.parametrize(
    "name", [*MD_HOSTILE, "&amp; &#x41;", " spaced ", "   ", "``", "a\\", "`` ` ``", "x\x1b[2Jy"]
)
def test_markdown_code_is_one_exact_code_span(name):
    md = f"| f |\n|---|\n| {markdown_code(name)} |\n\n{markdown_code(name, in_table=False)}\n"
    parser = Cells()
    parser.feed(render_gfm(md))
    cell = parser.rows[1][0]
    assert cell["tags"] == ["code"] and cell["text"] == escape_controls(name)
    html = render_gfm(markdown_code(name, in_table=False))
    assert html == f"<p><code>{_html_escape(escape_controls(name))}</code></p>\n"


def _html_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
