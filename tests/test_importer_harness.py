"""Every importer, tried the same way on every bundled sample: by extension and by content,
in one process and split over two, and through an export and back."""

from __future__ import annotations

import importlib

import pytest

from flamekit.importers import load_path
from flamekit.render.folded import render_folded
from flamekit.render.speedscope import speedscope_chunks

from .conftest import ROOT, count_forks
from .test_sniff import EXPECTED

SAMPLES = sorted(EXPECTED)
#: the modules that split a large input over two processes, and their size threshold's name
SPLITTING = ("flamekit.importers.perf", "flamekit.importers.folded_fast")
#: samples the two-process path cannot split, and why (they are read in one process)
UNSPLIT = {
    "perf/deep-nog.perf.txt": "records without call chains have no blank line between them",
    "perf/node-jit-notime.perf.txt": "without a time field the event name is not found",
}


def _facts(profile) -> tuple:
    return (
        render_folded(profile),
        profile.unit,
        profile.total_weight(),
        profile.sample_count(),
        len(profile.threads),
    )


@pytest.mark.parametrize("relpath", SAMPLES)
def test_by_extension_and_by_content_alike(relpath, tmp_path):
    path = ROOT / "samples" / relpath
    anonymous = tmp_path / "profile.data"
    anonymous.write_bytes(path.read_bytes())
    by_name = load_path(str(path))
    by_content = load_path(str(anonymous))
    assert by_name.meta.source_format == by_content.meta.source_format == EXPECTED[relpath]
    assert _facts(by_name) == _facts(by_content)


def _split(monkeypatch, two: bool) -> list[int]:
    """Make every splitting importer split (two) or never split; count the forks."""
    for name in SPLITTING:
        module = importlib.import_module(name)
        if hasattr(module, "PARALLEL_MIN"):
            monkeypatch.setattr(module, "PARALLEL_MIN", 1 if two else 1 << 62)
    monkeypatch.setenv("FLAMEKIT_JOBS", "2" if two else "1")
    return count_forks(monkeypatch)


@pytest.mark.parametrize("relpath", [p for p in SAMPLES if EXPECTED[p] in ("perf", "folded")])
def test_one_process_and_two_alike(relpath, monkeypatch):
    path = str(ROOT / "samples" / relpath)
    forks = _split(monkeypatch, two=False)
    one = _facts(load_path(path))
    assert not forks
    forks = _split(monkeypatch, two=True)
    two = _facts(load_path(path))
    assert bool(forks) != (relpath in UNSPLIT), UNSPLIT.get(relpath, "no second process ran")
    assert one == two


@pytest.mark.parametrize("relpath", SAMPLES)
def test_export_import_export(relpath, tmp_path):
    """speedscope and folded exports read back as the profile they were made from."""
    profile = load_path(str(ROOT / "samples" / relpath))
    folded = render_folded(profile)
    exported = tmp_path / "out.speedscope.json"
    exported.write_bytes(b"".join(speedscope_chunks(profile)))
    back = load_path(str(exported))
    assert render_folded(back) == folded
    assert back.unit == profile.unit
    assert back.total_weight() == pytest.approx(profile.total_weight(), rel=1e-9)
    again = tmp_path / "again.folded"
    again.write_bytes(folded)
    assert render_folded(load_path(str(again))) == folded
