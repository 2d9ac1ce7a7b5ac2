"""Self and total weight per call-tree node and per function."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..model import Profile
from ..tree import first_occurrence, subtree_sums


def _int_if_exact(values: np.ndarray, like: np.ndarray) -> np.ndarray:
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
    """Frames grouped into functions by (name, file): ``of_frame[f]`` is frame f's function."""

    of_frame: np.ndarray
    name: np.ndarray  # string ids
    file: np.ndarray  # string ids
    line: np.ndarray  # smallest known line of the function's frames, 0 if unknown


def function_table(profile: Profile) -> FunctionTable:
    """Group frames that share a name and file (lines differ between sample sites)."""

    def compute():
        fr = profile.frames
        key = fr.name.astype(np.int64) * (len(profile.strings) + 1) + fr.file
        uniq, of_frame = np.unique(key, return_inverse=True)
        first = np.zeros(len(uniq), dtype=np.int64)
        first[of_frame[::-1]] = np.arange(len(fr) - 1, -1, -1)
        line = np.full(len(uniq), np.iinfo(np.int32).max, dtype=np.int64)
        known = fr.line > 0
        np.minimum.at(line, of_frame[known], fr.line[known])
        line[line == np.iinfo(np.int32).max] = 0
        return FunctionTable(
            of_frame=of_frame.astype(np.int32),
            name=fr.name[first],
            file=fr.file[first],
            line=line.astype(np.int32),
        )

    return profile.cached("function_table", compute)


@dataclass(frozen=True)
class FunctionStat:
    """Self and total weight of one function, in the profile's unit."""

    name: str
    file: str | None
    line: int | None
    self: int | float
    total: int | float

    def to_dict(self) -> dict:
        return asdict(self)


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
        return _int_if_exact(fs, like), _int_if_exact(ft, like)

    return profile.cached("function_weights", compute)


def top_functions(profile: Profile, n: int | None = None) -> list[FunctionStat]:
    """Functions sorted by self weight (then total, then name), the first ``n`` of them."""
    table = function_table(profile)
    fself, ftotal = function_weights(profile)
    names = np.array(profile.strings, dtype=object)[table.name] if len(table.name) else []
    order = sorted(
        range(len(fself)), key=lambda i: (-fself[i], -ftotal[i], names[i], int(table.file[i]))
    )
    order = [i for i in order if ftotal[i] > 0]
    if n is not None:
        order = order[:n]
    out = []
    for i in order:
        file = profile.strings[table.file[i]] or None
        line = int(table.line[i]) or None
        out.append(FunctionStat(names[i], file, line, fself[i].item(), ftotal[i].item()))
    return out


def node_samples(profile: Profile) -> np.ndarray:
    """Number of samples passing through each call-tree node (whatever their weight)."""

    def compute():
        count = np.bincount(profile.samples.stack, minlength=len(profile.stacks))
        return subtree_sums(profile.stacks, count)

    return profile.cached("node_samples", compute)


def idle_weight(profile: Profile) -> int | float:
    """Weight of the samples whose leaf frame is idle (kind IDLE or named ``(idle)``)."""
    from ..transforms import idle_frames

    def compute():
        idle_node = idle_frames(profile)[profile.stacks.frame]
        return profile.samples.weight[idle_node[profile.samples.stack]].sum().item()

    return profile.cached("idle_weight", compute)
