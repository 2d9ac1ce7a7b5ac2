"""Benchmark: mapping 100,000 V8 frames through source maps (budget: under a second).

A generated profile of ``--frames`` distinct functions spread over ``--scripts`` minified
bundles (each function one node with line ticks, one sample each), and a map per bundle with
a named segment per function and a few more per function body, as esbuild writes them. Timed:

1. the mapping alone: :meth:`SourceMaps.map_frames` on the profile's node table, maps read and
   decoded included (best of ``--repeat``);
2. the whole import with ``source_maps`` against the same import without, best of ``--repeat``;
3. with ``node`` and ``@jridgewell/trace-mapping`` (``--node-modules``), the reference mapping
   the same frames, for a ratio.

Usage: python benchmarks/sourcemap_frames.py [--frames 100000] [--scripts 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flamekit  # noqa: E402
from flamekit.importers import v8  # noqa: E402
from flamekit.sourcemaps import SourceMaps  # noqa: E402
from flamekit.sources import open_source  # noqa: E402
from tests.vlq_reference import vlq  # noqa: E402

STEP = 40  # generated columns per function


def bundle_map(functions: int, first: int) -> dict:
    """A one-line bundle's map: per function a named segment and three body segments."""
    parts = []
    prev = [0, 0, 0, 0]
    column = 0
    for k in range(functions):
        fn = first + k
        base = k * STEP
        segs = [
            (base, fn % 50, fn * 10, 0, k),
            (base + 8, fn % 50, fn * 10, 12),
            (base + 20, fn % 50, fn * 10 + 1, 2),
            (base + 30, fn % 50, fn * 10 + 2, 2),
        ]
        for seg in segs:
            text = vlq(seg[0] - column)
            column = seg[0]
            for i, value in enumerate(seg[1:]):
                if i < 3:
                    text += vlq(value - prev[i])
                    prev[i] = value
                else:
                    text += vlq(value - prev[3])
                    prev[3] = value
            parts.append(text)
    sources = [f"../src/module{i}.ts" for i in range(50)]
    names = [f"function{first + k}" for k in range(functions)]
    return {"version": 3, "sources": sources, "names": names, "mappings": ",".join(parts)}


def make_profile(folder: Path, frames: int, scripts: int) -> Path:
    per = frames // scripts
    nodes = [{"id": 1, "callFrame": frame("(root)", "", -1, -1), "children": []}]
    for s in range(scripts):
        (folder / f"app{s}.min.js.map").write_bytes(orjson.dumps(bundle_map(per, s * per)))
        url = f"file:///elsewhere/dist/app{s}.min.js"
        for k in range(per):
            nid = len(nodes) + 1
            nodes[0]["children"].append(nid)
            nodes.append(
                {
                    "id": nid,
                    "callFrame": frame(f"f{k}", url, 0, k * STEP + 8),
                    "positionTicks": [{"line": 1, "ticks": 1}],
                }
            )
    ids = [n["id"] for n in nodes[1:]]
    doc = {
        "nodes": nodes,
        "startTime": 0,
        "endTime": 1000 * len(ids),
        "samples": ids,
        "timeDeltas": [1000] * len(ids),
    }
    path = folder / "bench.cpuprofile"
    path.write_bytes(orjson.dumps(doc))
    return path


def frame(name: str, url: str, line: int, column: int) -> dict:
    return {"functionName": name, "url": url, "lineNumber": line, "columnNumber": column,
            "scriptId": "1" if url else "0"}  # fmt: skip


def best(fn, repeat: int) -> tuple[float, float]:
    """The best wall-clock and the best CPU time of ``repeat`` runs (on a shared machine the
    CPU time tells what the code costs)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def node_table(path: Path) -> v8.V8Nodes:
    source = open_source(str(path))
    table = v8.V8Nodes()
    v8.add_nodes(table, source.read_json()["nodes"], source, "")
    source.close()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--scripts", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--node-modules", default=str(ROOT / ".cache/npm/node_modules"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = make_profile(folder, args.frames, args.scripts)
        tables = [node_table(path) for _ in range(args.repeat)]

        def map_once():
            maps = SourceMaps(dirs=(str(folder),))
            maps.map_frames(tables.pop().frames, print)
            assert maps.mapped == args.frames, maps.summary()

        mapping = best(map_once, args.repeat)
        plain = best(lambda: flamekit.load(str(path)), args.repeat)
        mapped = best(
            lambda: flamekit.load(str(path), source_maps=True, source_map_dir=[str(folder)]),
            args.repeat,
        )
        profile = flamekit.load(str(path), source_maps=True, source_map_dir=[str(folder)])
        names = {profile.strings[i] for i in np.unique(profile.frames.name)}
        assert "function0" in names and "f0" not in names
        print(f"frames: {args.frames:,} in {args.scripts} bundles")
        print(
            f"mapping (maps read and decoded, frames mapped): {mapping[0]:.3f} s wall, "
            f"{mapping[1]:.3f} s CPU (budget 1 s)"
        )
        print(
            f"import: {plain[0]:.3f} s without, {mapped[0]:.3f} s with source maps (wall; CPU "
            f"{plain[1]:.3f} s, {mapped[1]:.3f} s)"
        )
        reference = ROOT / "tests" / "sourcemap_reference.cjs"
        modules = Path(args.node_modules)
        if shutil.which("node") and (modules / "@jridgewell/trace-mapping").is_dir():
            t0 = time.perf_counter()
            done = subprocess.run(
                ["node", str(reference), "frames", str(modules), str(path), str(folder)],
                capture_output=True,
                check=True,
            )
            node_s = time.perf_counter() - t0
            assert sum(v is not None for v in json.loads(done.stdout).values()) == args.frames
            print(
                f"trace-mapping (node, whole run, wall): {node_s:.3f} s; "
                f"ratio {mapping[0] / node_s:.2f}"
            )


if __name__ == "__main__":
    main()
