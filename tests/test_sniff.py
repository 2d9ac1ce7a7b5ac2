"""Format detection on every bundled sample: by extension, then by content."""

from __future__ import annotations

import pytest

from flamekit.importers import FORMATS, detect
from flamekit.sources import open_source

from .conftest import ROOT

# sample path (relative to samples/) -> the format its content must be detected as
EXPECTED = {
    "folded/deep.folded": "folded",
    "blocks/blocks.cpuprofile": "cpuprofile",
    "cpuprofile/cpu.cpuprofile": "cpuprofile",
    "cpuprofile/eventloop.cpuprofile": "cpuprofile",
    "cpuprofile/server.cpuprofile": "cpuprofile",
    "cpuprofile/workers/CPU.20261127.050027.5003.0.001.cpuprofile": "cpuprofile",
    "cpuprofile/workers/CPU.20261127.050027.5003.1.002.cpuprofile": "cpuprofile",
    "cpuprofile/workers/CPU.20261127.050027.5003.2.003.cpuprofile": "cpuprofile",
    "chrome/page.cpuprofile": "cpuprofile",
    "sourcemaps/tsc.cpuprofile": "cpuprofile",
    "sourcemaps/bundle.cpuprofile": "cpuprofile",
    "sourcemaps/inline.cpuprofile": "cpuprofile",
    "sourcemaps/page.cpuprofile": "cpuprofile",
    "sourcemaps/page.trace.json": "chrome-trace",
    "perf/deep-nog.perf.txt": "perf",
    "cpuprofile/anon-cpu.cpuprofile": "cpuprofile",
    "cpuprofile/anon-loop.cpuprofile": "cpuprofile",
    "cpuprofile/anon-workers/CPU.20261201.214127.17480.0.001.cpuprofile": "cpuprofile",
    "cpuprofile/anon-workers/CPU.20261201.214128.17480.1.002.cpuprofile": "cpuprofile",
    "cpuprofile/anon-workers/CPU.20261201.214128.17480.2.003.cpuprofile": "cpuprofile",
    "chrome/page.trace.json": "chrome-trace",
    "pyspy/ladder.chrometrace.json": "pyspy-chrometrace",
    "pyspy/ladder.speedscope.json": "speedscope",
    "pyspy/ladder.txt": "pyspy",
    "pyspy/threads-gil.txt": "pyspy",
    "pyspy/threads-idle.txt": "pyspy",
    "pyspy/threads.chrometrace.json": "pyspy-chrometrace",
    "pyspy/threads.speedscope.json": "speedscope",
    "pyspy/work.chrometrace.json": "pyspy-chrometrace",
    "pyspy/work.speedscope.json": "speedscope",
    "pyspy/work.txt": "pyspy",
    "diff/js-after-1.cpuprofile": "cpuprofile",
    "diff/js-after-2.cpuprofile": "cpuprofile",
    "diff/js-before-1.cpuprofile": "cpuprofile",
    "diff/js-before-2.cpuprofile": "cpuprofile",
    **{
        f"diff/fleet/{side}-{n:02d}.cpuprofile.gz": "cpuprofile"
        for side in ("before", "after", "same")
        for n in range(1, 11)
    },
    "diff/py-after-1.speedscope.json": "speedscope",
    "diff/py-after-2.speedscope.json": "speedscope",
    "diff/py-before-1.speedscope.json": "speedscope",
    "diff/py-before-2.speedscope.json": "speedscope",
    "perf/deep.perf.txt": "perf",
    "perf/deep-F.perf.txt": "perf",
    "perf/templates.perf.txt": "perf",
    "perf/node-jit.perf.txt": "perf",
    "perf/node-jit-notime.perf.txt": "perf",
    "perf/lines-srcline.perf.txt": "perf",
    "perf/lines-srcline-F.perf.txt": "perf",
    "pprof/go-cpu.pb.gz": "pprof",
    "pprof/go-heap.pb.gz": "pprof",
    "pprof/node-wall.pb.gz": "pprof",
    "pprof/node-heap.pb.gz": "pprof",
}


@pytest.mark.parametrize("relpath", sorted(EXPECTED))
def test_detect_by_content_and_extension(relpath, tmp_path):
    path = ROOT / "samples" / relpath
    expected = EXPECTED[relpath]
    assert detect(open_source(str(path))).name == expected
    # content alone, without a telling extension
    anonymous = tmp_path / "profile.data"
    anonymous.write_bytes(path.read_bytes())
    assert detect(open_source(str(anonymous))).name == expected


def test_every_sample_is_covered():
    readable = {name for name, f in FORMATS.items() if f.module and f.readable}
    files = {
        str(p.relative_to(ROOT / "samples"))
        for p in (ROOT / "samples").rglob("*")
        if p.is_file()
        and p.suffix not in (".md", ".js", ".py", ".c", ".cpp", ".go", ".mod", ".html", ".ipynb")
        and not p.name.endswith(".measured.json")  # a workload's own timings, not a profile
        and "workloads" not in p.parts  # the programs the samples were recorded from
    }
    missing = {f for f in files if f not in EXPECTED}
    # formats still without an importer are allowed to be missing until their importer lands
    unexpected = {f for f in missing if _format_of(f) in readable}
    assert not unexpected, f"samples without a detection test: {sorted(unexpected)}"


def _format_of(relpath: str) -> str:
    if relpath.endswith(".cpuprofile"):
        return "cpuprofile"
    folder = relpath.split("/")[0]
    return {
        "folded": "folded",
        "perf": "perf",
        "cpuprofile": "cpuprofile",
        "blocks": "cpuprofile",
        "chrome": "chrome-trace",
    }.get(folder, "pyspy")


def test_reserved_names():
    for name in (
        "folded",
        "perf",
        "cpuprofile",
        "chrome-trace",
        "pyspy",
        "speedscope",
        "pyspy-chrometrace",
        "svg",
        "html",
        "json",
    ):
        assert name in FORMATS
