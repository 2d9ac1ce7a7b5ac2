"""Each side as samples: counts per call-tree node, and the blocks of a run that show how much
its shares wander (batch means)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.model import Profile
from ...core.tree import first_occurrence, subtree_sums
from ...core.weights import int_if_exact, node_self, row_samples
from ..timeline import FALLBACK_INTERVAL_NS
from .results import SideSummary


@dataclass
class Side:
    profile: Profile
    func_of_frame: np.ndarray
    weight_self: np.ndarray  # per node
    count_self: np.ndarray  # per node
    row_count: np.ndarray  # samples each row stands for
    blocks: list[np.ndarray]  # row indices of consecutive stretches of the run (may be empty)
    firsts: np.ndarray  # nodes none of whose ancestors is the same function

    def block_node_counts(self):
        """Per block: (sample count per call-tree node, the block's sample count)."""
        n = len(self.profile.stacks)
        stack = self.profile.samples.stack
        for rows in self.blocks:
            counts = np.bincount(stack[rows], weights=self.row_count[rows], minlength=n)
            yield counts, float(counts.sum())


def sampling_interval(before: Profile, after: Profile) -> float:
    """The sampling interval (ns) to estimate sample counts of a side that has none."""
    for p in (before, after):
        if p.unit == "nanoseconds" and p.rows_are_samples and len(p.samples):
            return float(p.total_weight()) / len(p.samples)
    for p in (before, after):
        if p.meta.period_ns:
            return float(p.meta.period_ns)
    return float(FALLBACK_INTERVAL_NS)


BLOCKS = 20  # consecutive stretches a run is cut into to see how much its shares wander
MIN_BLOCK = 25  # samples per block at least


def make_side(profile: Profile, func_of_frame: np.ndarray, interval: float, warnings) -> Side:
    weights = node_self(profile)
    n = len(profile.stacks)
    row_count = row_samples(profile, interval)
    if profile.unit != "samples" and not profile.rows_are_samples:
        warnings.append(
            f"{profile.meta.name or profile.meta.source_format}: intervals, not samples; "
            f"sample counts estimated at one per {interval / 1e6:.3g} ms"
        )
    counts = np.bincount(profile.samples.stack, weights=row_count, minlength=n)
    firsts = first_occurrence(profile.stacks, func_of_frame)
    blocks = run_blocks(profile, row_count)
    return Side(profile, func_of_frame, weights, counts, row_count, blocks, firsts)


def run_blocks(profile: Profile, row_count: np.ndarray) -> list[np.ndarray]:
    """Rows cut into consecutive blocks of about equal sample count, in the order they were
    sampled (by thread, then time); none when the rows have no order (aggregated stacks)."""
    ordered = profile.has_times or profile.meta.samples_ordered
    total = float(row_count.sum())
    nblocks = min(BLOCKS, int(total // MIN_BLOCK))
    if not ordered or nblocks < 5 or not len(row_count):
        return []
    time = profile.samples.time
    keys = (np.arange(len(row_count)), profile.samples.thread)
    if time is not None:
        keys = (np.arange(len(row_count)), time, profile.samples.thread)
    order = np.lexsort(keys)
    position = np.cumsum(row_count[order]) - row_count[order] / 2
    block = np.minimum((position / total * nblocks).astype(np.int64), nblocks - 1)
    return [order[block == b] for b in range(nblocks)]


def batch_variance(side: Side, columns):
    """Variance of each share from the spread between blocks (batch means), for every column
    ``columns(node_counts)`` returns; ``(None, ...)`` when the run has no blocks."""
    sums = sq = None
    nblocks = 0
    for counts, block_total in side.block_node_counts():
        if not block_total:
            continue
        shares = [np.asarray(c, dtype=np.float64) / block_total for c in columns(counts)]
        if sums is None:
            sums = [np.zeros_like(x) for x in shares]
            sq = [np.zeros_like(x) for x in shares]
        for i, x in enumerate(shares):
            sums[i] += x
            sq[i] += x * x
        nblocks += 1
    if sums is None or nblocks < 2:
        return (None, None)
    out = []
    for total, total_sq in zip(sums, sq, strict=True):
        mean = total / nblocks
        var = np.maximum(total_sq / nblocks - mean * mean, 0) * nblocks / (nblocks - 1)
        out.append(var / nblocks)
    return tuple(out)


def summary(side: Side) -> SideSummary:
    p = side.profile
    count = round(float(side.count_self.sum()), 6)
    return SideSummary(
        total=p.total_weight(),
        unit=p.unit,
        samples=int(count) if count.is_integer() else count,
        source_format=p.meta.source_format,
    )


def function_counts(side: Side, node_counts: np.ndarray, nfunc: int):
    """(self, total) per function from a count per call-tree node."""
    p = side.profile
    func_of_node = side.func_of_frame[p.stacks.frame]
    firsts = side.firsts
    total = subtree_sums(p.stacks, node_counts)
    fs = np.bincount(func_of_node, weights=node_counts, minlength=nfunc)
    ft = np.bincount(func_of_node[firsts], weights=total[firsts], minlength=nfunc)
    return fs, ft


def function_sums(side: Side, nfunc: int):
    """Self and total per function: weights, then sample counts."""
    sw, tw = function_counts(side, side.weight_self, nfunc)
    sc, tc = function_counts(side, side.count_self, nfunc)
    like = side.profile.samples.weight
    return int_if_exact(sw, like), int_if_exact(tw, like), sc, tc
