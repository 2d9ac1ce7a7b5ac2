"""Benchmark: importing a big pprof profile, against protobuf's own parse of the same bytes.

The profile has the shape of the Go sample (``samples/pprof/go-cpu.pb.gz``: its locations,
functions, mappings and stacks), re-encoded with many samples as a continuous profiler writes
them: each sample one of the recorded stacks, with its goroutine label and a request label of
a few thousand values, and samples/count plus cpu/nanoseconds values.

Prints the size, the median of ``--repeat`` runs of ``flamekit.load`` (uncompressed file, so
that gzip is not part of either side) and of ``ProfileMessage.FromString`` (upb, the floor of
any protobuf reader), and their ratio. ``--messages`` also times walking the parsed Sample
messages in Python, the way a reader without the bulk decoder would.

Usage: python benchmarks/pprof_import.py [--samples 1000000] [--repeat 3] [--messages]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flamekit  # noqa: E402
from flamekit.importers.pprof_samples import decode_messages  # noqa: E402
from flamekit.pprof_schema import ProfileMessage  # noqa: E402

SOURCE = ROOT / "samples" / "pprof" / "go-cpu.pb.gz"


def big_profile(samples: int, seed: int = 7) -> tuple[bytes, int]:
    """The serialized bytes of a profile like the Go sample with ``samples`` sample rows, and
    how many samples they count."""
    base = ProfileMessage.FromString(gzip.decompress(SOURCE.read_bytes()))
    rng = np.random.default_rng(seed)
    stacks = [list(s.location_id) for s in base.sample]
    labels = [[(lb.key, lb.str) for lb in s.label] for s in base.sample]
    weights = np.array([s.value[0] for s in base.sample], dtype=np.float64)
    pick = rng.choice(len(stacks), size=samples, p=weights / weights.sum())
    counts = rng.integers(1, 4, size=samples)
    requests = rng.integers(0, 3000, size=samples)
    out = ProfileMessage()
    out.CopyFrom(base)
    del out.sample[:]
    key = len(out.string_table)
    out.string_table.append("request")
    first_request = len(out.string_table)
    out.string_table.extend(f"req-{i}" for i in range(3000))
    period = base.period
    for i, c, r in zip(pick.tolist(), counts.tolist(), requests.tolist(), strict=True):
        sample = out.sample.add(location_id=stacks[i], value=[c, c * period])
        for k, v in labels[i]:
            sample.label.add(key=k, str=v)
        sample.label.add(key=key, str=first_request + r)
    return out.SerializeToString(), int(counts.sum())


def median_seconds(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--messages", action="store_true", help="also time the message walk")
    args = parser.parse_args()
    data, counted = big_profile(args.samples)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.pb"
        path.write_bytes(data)
        profile = flamekit.load(str(path))
        assert len(profile.samples) == counted  # a row of k samples is k rows
        ours = median_seconds(lambda: flamekit.load(str(path)), args.repeat)
        floor = median_seconds(lambda: ProfileMessage.FromString(data), args.repeat)
        print(
            f"profile: {args.samples:,} sample rows ({counted:,} samples), "
            f"{len(data) / 1e6:.1f} MB uncompressed"
        )
        print(f"flamekit.load:               {ours:7.3f} s (median of {args.repeat})")
        print(f"ProfileMessage.FromString:   {floor:7.3f} s (median of {args.repeat})")
        print(f"ratio: {ours / floor:.2f}x protobuf's parse")
        if args.messages:
            walk = median_seconds(
                lambda: decode_messages(ProfileMessage.FromString(data).sample), 1
            )
            print(f"parse + walk of Sample messages: {walk:7.3f} s ({walk / floor:.1f}x)")


if __name__ == "__main__":
    main()
