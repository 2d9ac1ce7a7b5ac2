"""Reading perf script text in pieces: through a memory map and in blocks, alike."""

from __future__ import annotations

import pytest

from flamekit.errors import InputError
from flamekit.importers import load_path, perf_read
from flamekit.render.folded import render_folded
from flamekit.sources import Source, open_source

from .conftest import ROOT

CAPTURES = sorted((ROOT / "samples" / "perf").glob("*.perf.txt"))


def _variants(text: bytes) -> dict[str, bytes]:
    """The capture, and ways it can come: CRLF from the middle on, cut off, with a NUL."""
    half = text.find(b"\n\n", len(text) // 2)  # a blank line, if it has one
    if half < 0:
        half = text.index(b"\n", len(text) // 2)
    return {
        "plain": text,
        "crlf-later": text[:half] + text[half:].replace(b"\n", b"\r\n"),
        "cut": text[: text.index(b"\n", len(text) // 2) - 3],
        "nul": text[:half] + b"\n\x00" + text[half:],
    }


def _read(path, mapped: bool, monkeypatch) -> tuple:
    """What loading ``path`` gives (its folded stacks and sample columns), or its error."""
    if not mapped:
        monkeypatch.setattr(Source, "mapping", lambda self: None)
    try:
        profile = load_path(str(path), "perf", {"jobs": 1})
    except InputError as exc:
        return ("error", exc.message, exc.line)
    finally:
        monkeypatch.undo()
    times = profile.samples.time
    return (
        render_folded(profile),
        profile.samples.weight.tolist(),
        None if times is None else times.tolist(),
    )


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_mapped_and_read_alike(path, tmp_path, monkeypatch):
    for name, text in _variants(path.read_bytes()).items():
        copy = tmp_path / f"{name}.perf.txt"
        copy.write_bytes(text)
        for block in (1 << 12, perf_read.BLOCK):
            monkeypatch.setattr(perf_read, "BLOCK", block)
            read = _read(copy, False, monkeypatch)
            monkeypatch.setattr(perf_read, "BLOCK", block)
            assert _read(copy, True, monkeypatch) == read, (name, block)


@pytest.mark.parametrize("mapped", [True, False])
def test_pieces_are_the_text_with_a_separator_in_front(tmp_path, monkeypatch, mapped):
    text = (ROOT / "samples/perf/deep.perf.txt").read_bytes()
    crlf = text[:5000] + text[5000:].replace(b"\n", b"\r\n")
    monkeypatch.setattr(perf_read, "BLOCK", 1 << 12)
    for data, expected in ((text, text), (crlf, text)):
        path = tmp_path / "t.perf.txt"
        path.write_bytes(data)
        source = open_source(str(path))
        if not mapped:
            monkeypatch.setattr(source, "mapping", lambda: None)
        got = [(bytes(piece), offset) for piece, offset, _ in perf_read.pieces(source, 0, None)]
        source.close()
        joined = b"".join(piece for piece, _ in got)
        assert joined == b"\n\n" + expected
        assert len(got) > 10
        at = -2
        for piece, offset in got:
            assert offset == at
            assert piece[:2] == b"\n\n"
            at += len(piece)
