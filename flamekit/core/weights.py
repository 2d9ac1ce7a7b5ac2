"""Self and total weight per call-tree node and per function."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Profile
from .tree import first_occurrence, subtree_sums


def int_if_exact(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``values`` rounded to int64 when ``like``, the weights they add up, holds integers; else
    unchanged."""
    if np.issubdtype(like.dtype, np.integer):
        return np.rint(values).astype(np.int64)
    return values


def node_self(profile: Profile) -> np.ndarray:
    """Weight of the samples whose leaf is each call-tree node."""

    def compute():
        n = len(profile.stacks)
        w = profile.samples.weight
        if np.issubdtype(w.dtype, np.integer):
            # bincount sums in float64: exact while every partial sum stays below 2**53
            if len(w) == 0 or int(w.max()) * len(w) < 2**53:
                sums = np.bincount(profile.samples.stack, weights=w, minlength=n)
                return sums.astype(np.int64)
            out = np.zeros(n, dtype=np.int64)
            np.add.at(out, profile.samples.stack, w)
            return out
        return np.bincount(profile.samples.stack, weights=w, minlength=n)

    return profile.cached("node_self", compute)


def node_total(profile: Profile) -> np.ndarray:
    """Weight of the samples passing through each call-tree node."""
    return profile.cached("node_total", lambda: subtree_sums(profile.stacks, node_self(profile)))


@dataclass(frozen=True)
class FunctionTable:
    """Frames grouped into functions: ``of_frame[f]`` is frame f's function.

    A function is what the importer says it is: its name, file and module (perf's DSO), plus its
    own line and column where the format records them (``Frames.own_line``: V8 call frames), so
    that two anonymous functions of one file stay two functions. Lines that are only the line
    being run (py-spy) are not part of it, and ``line``/``column`` are then 0.
    """

    of_frame: np.ndarray
    name: np.ndarray  # string ids
    file: np.ndarray  # string ids
    module: np.ndarray  # string ids
    line: np.ndarray  # the function's own line, 0 if the format does not record it
    column: np.ndarray  # the function's own column, 0 if unknown


def function_table(profile: Profile) -> FunctionTable:
    """Group frames into functions by (name, file, module, own line, own column)."""

    def compute():
        fr = profile.frames
        own = fr.owns_line()
        line = np.where(own, fr.line, 0).astype(np.int64)
        column = np.where(own, fr.column, 0).astype(np.int64)
        keys = np.stack(
            [fr.name.astype(np.int64), fr.file, fr.module, line, column], axis=1
        ).reshape(-1, 5)
        uniq, first, of_frame = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        # number functions in the order their first frame appears
        order = np.argsort(first, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        of_frame = rank[of_frame.reshape(-1)]
        uniq = uniq[order]
        return FunctionTable(
            of_frame=of_frame.astype(np.int32),
            name=uniq[:, 0].astype(np.int32),
            file=uniq[:, 1].astype(np.int32),
            module=uniq[:, 2].astype(np.int32),
            line=uniq[:, 3].astype(np.int32),
            column=uniq[:, 4].astype(np.int32),
        )

    return profile.cached("function_table", compute)


def function_weights(profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Arrays (self, total) indexed by function id of :func:`function_table`.

    A function that recurses counts once per sample in its total.
    """

    def compute():
        table = function_table(profile)
        nfunc = len(table.name)
        func_of_node = table.of_frame[profile.stacks.frame]
        self_ = node_self(profile)
        total = node_total(profile)
        firsts = first_occurrence(profile.stacks, table.of_frame)
        fs = np.bincount(func_of_node, weights=self_, minlength=nfunc)
        ft = np.bincount(func_of_node[firsts], weights=total[firsts], minlength=nfunc)
        like = profile.samples.weight
        return int_if_exact(fs, like), int_if_exact(ft, like)

    return profile.cached("function_weights", compute)


def row_samples(profile: Profile, interval: float) -> np.ndarray:
    """Samples each sample row stands for: its weight when weights are counts, one per row of a
    timed profile whose rows are samples, else the row's time over ``interval`` (ns)."""
    w = np.asarray(profile.samples.weight, dtype=np.float64)
    if profile.unit == "samples":
        return w
    if profile.rows_are_samples:  # each row is one sample, whatever its duration
        return np.ones(len(w))
    return w / interval


def node_samples(profile: Profile) -> np.ndarray:
    """Number of samples passing through each call-tree node (whatever their weight; for
    formats whose rows are counts, the summed counts)."""

    def compute():
        sa = profile.samples
        if profile.meta.counted and np.issubdtype(sa.weight.dtype, np.integer):
            count = np.bincount(sa.stack, weights=sa.weight, minlength=len(profile.stacks))
            count = np.rint(count).astype(np.int64)
        else:
            count = np.bincount(sa.stack, minlength=len(profile.stacks))
        return subtree_sums(profile.stacks, count)

    return profile.cached("node_samples", compute)
