"""Distinct location paths among many samples, found with numpy.

A pprof file may hold millions of samples over a few thousand distinct stacks. Each sample's
path of location indices is hashed to one 64-bit key (two polynomial hashes and its length);
samples with equal keys are then compared entry by entry with their group's first sample, so
the grouping is exact (paths that collide go through tuples instead).
"""

from __future__ import annotations

import numpy as np

from ..core.tree import first_and_groups
from .pprof_samples import ranges as _ranges

_BASES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def unique_paths(start: np.ndarray, flat: np.ndarray, keep: np.ndarray):
    """``(first, inverse)`` over the kept samples: ``first[g]`` is the first sample of group g,
    ``inverse[i]`` the group of the i-th kept sample; sample s's path is
    ``flat[start[s]:start[s + 1]]``."""
    kept = np.flatnonzero(keep)
    lengths = np.diff(start)[kept]
    begin = start[:-1][kept]
    entries = _ranges(begin, lengths)
    owner = np.repeat(np.arange(len(kept)), lengths)
    pos = entries - np.repeat(begin, lengths)
    values = flat[entries].astype(np.uint64) + np.uint64(1)
    key = lengths.astype(np.uint64)
    with np.errstate(over="ignore"):
        for base in _BASES:  # one 64-bit key mixing two hashes and the length
            powers = _powers(base, int(lengths.max(initial=0)))
            hashed = np.zeros(len(kept), dtype=np.uint64)
            _segment_sum(hashed, values * powers[pos], lengths)
            key = key * np.uint64(0x100000001B3) ^ hashed
    first_kept, inverse = first_and_groups(key)
    rep = first_kept[inverse][owner]  # the group's first sample, for every entry
    if not np.array_equal(flat[begin[rep] + pos], flat[entries]):
        return _unique_exact(start, flat, kept)
    return kept[first_kept], inverse


def _segment_sum(out: np.ndarray, terms: np.ndarray, lengths: np.ndarray) -> None:
    """``out[i] = sum of terms of segment i`` (segments of ``lengths``, empty ones 0)."""
    nonempty = np.flatnonzero(lengths)
    if not len(nonempty):
        return
    heads = np.concatenate(([0], np.cumsum(lengths[nonempty])[:-1]))
    out[nonempty] = np.add.reduceat(terms, heads)


def _powers(base: np.uint64, n: int) -> np.ndarray:
    out = np.ones(max(n, 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(1, n):
            out[i] = out[i - 1] * base
    return out


def _unique_exact(start: np.ndarray, flat: np.ndarray, kept: np.ndarray):
    """The same grouping through tuples (only if two different paths ever hash alike)."""
    groups: dict[tuple, int] = {}
    first: list[int] = []
    inverse = np.empty(len(kept), dtype=np.int64)
    for i, s in enumerate(kept.tolist()):
        key = tuple(flat[start[s] : start[s + 1]].tolist())
        g = groups.setdefault(key, len(groups))
        if g == len(first):
            first.append(s)
        inverse[i] = g
    return np.array(first, dtype=np.int64), inverse


def unique_rows(*columns: np.ndarray) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """The distinct rows of equally long integer columns (in sorted order) and each row's
    index among them: one code per row from the columns' own codes, then one 1-D unique."""
    n = len(columns[0])
    code = np.zeros(n, dtype=np.int64)
    room = 1
    for col in columns:
        uniq, inv = np.unique(col, return_inverse=True)
        room *= max(len(uniq), 1)
        if room >= 2**62:  # too many combinations for one int64 code
            rows, inverse = np.unique(np.stack(columns), axis=1, return_inverse=True)
            return [tuple(r) for r in rows.T.tolist()], inverse.reshape(-1)
        code = code * len(uniq) + inv.reshape(-1)
    first, inverse = first_and_groups(code)
    distinct = list(zip(*(col[first].tolist() for col in columns), strict=True)) if n else []
    return distinct, inverse
