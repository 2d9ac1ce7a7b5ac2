"""Line-level time: the hottest source lines, self and total (``top --by line``).

Where the lines come from is what the importer recorded:

- frames whose line is the line being run (py-spy): every frame of a stack is at a line, so a
  line has a self weight (samples whose leaf ran it) and a total (samples with it anywhere on the
  stack, once per sample);
- :class:`~flamekit.model.SampleLines` (perf ``srcline``): the same per sample, with the file
  perf names for the line, kept apart from the frames so that everything else reads as without;
- :class:`~flamekit.model.LineTicks` (V8 ``positionTicks``, Chrome trace chunk ``lines``): a
  node's self weight is split over its lines in proportion to the ticks; V8 records no line for
  the callers, so these lines have total = self.

A line is one function's line: two functions on one line (two callbacks) are two rows. Self
weight the format does not place on a line goes to the function's row with ``line`` None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.model import Profile
from ..core.tree import first_occurrence
from ..core.weights import function_table, int_if_exact, node_self, node_total
from .naming import function_labels, place
from .weights import FunctionStat


@dataclass(frozen=True)
class LineStat(FunctionStat):
    """Self and total weight of one source line of one function; ``function_line`` and
    ``function_column`` are the function's own position where the format records it (V8), so
    that two functions on one line (two callbacks) are told apart by more than the label."""

    function_line: int | None = None
    function_column: int | None = None

    def to_dict(self) -> dict:
        return {
            **super().to_dict(),
            "function_line": self.function_line,
            "function_column": self.function_column,
        }


def _running_lines(profile: Profile) -> np.ndarray:
    """Per frame, the line being run where the frame records one (not its function's own)."""
    fr = profile.frames
    return np.where(~fr.owns_line() & (fr.line > 0), fr.line, 0).astype(np.int64)


def line_weights(
    profile: Profile,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(function id, file string id, line, self, total) per source line with weight, line 0
    meaning unknown. The file is the function's, or the one perf's srcline names."""
    st = profile.stacks
    table = function_table(profile)
    func_of_node = table.of_frame[st.frame].astype(np.int64)
    file_of = table.file.astype(np.int64)
    run_line = _running_lines(profile)
    self_node = node_self(profile).astype(np.float64)
    lt = profile.line_ticks
    ticked = np.zeros(len(st), dtype=bool)
    if lt is not None and len(lt):
        ticked[lt.node] = True
    placed = _sample_line_weights(profile)
    if placed is not None:
        self_node = self_node - placed[1]  # the samples whose leaf srcline placed them
    # self weight: the nodes without ticks at their frame's line, the others split by ticks
    plain = np.flatnonzero(~ticked & (self_node != 0))
    f = func_of_node[plain]
    keys = [np.stack([f, file_of[f], run_line[st.frame[plain]]], axis=1)]
    weights = [self_node[plain]]
    if lt is not None and len(lt):
        per_node = np.bincount(lt.node, weights=lt.ticks, minlength=len(st))
        f = func_of_node[lt.node]
        keys.append(np.stack([f, file_of[f], lt.line.astype(np.int64)], axis=1))
        weights.append(lt.ticks / per_node[lt.node] * node_self(profile)[lt.node])
    # totals of lines that frames run: each sample once per line, as for functions
    run_key = np.where(run_line > 0, table.of_frame * (int(run_line.max(initial=0)) + 1), -1)
    run_key = np.where(run_line > 0, run_key + run_line, -1)
    firsts = first_occurrence(st, run_key) & (run_key[st.frame] >= 0)
    f = func_of_node[firsts]
    tkeys = [np.stack([f, file_of[f], run_line[st.frame[firsts]]], axis=1)]
    tweights = [node_total(profile)[firsts].astype(np.float64)]
    if placed is not None:
        keys.append(placed[0])
        weights.append(placed[2])
        tkeys.append(placed[3])
        tweights.append(placed[4])
    nself = sum(len(k) for k in keys)
    uniq, inverse = np.unique(
        np.concatenate([*keys, *tkeys]).reshape(-1, 3), axis=0, return_inverse=True
    )
    inverse = inverse.reshape(-1)
    w = np.concatenate(weights)
    tw = np.concatenate(tweights)
    self_sum = np.bincount(inverse[:nself], weights=w, minlength=len(uniq))
    run_total = np.bincount(inverse[nself:], weights=tw, minlength=len(uniq))
    has_run = np.bincount(inverse[nself:], minlength=len(uniq)) > 0
    total = np.where(has_run, run_total, self_sum)
    like = profile.samples.weight
    return (
        uniq[:, 0],
        uniq[:, 1],
        uniq[:, 2],
        int_if_exact(self_sum, like),
        int_if_exact(total, like),
    )


def _sample_line_weights(profile: Profile):
    """From perf's per-sample srcline places (:class:`~flamekit.model.SampleLines`): the self
    keys (function, file, line) of the placed leaves and, per call-tree node, the weight they
    place; the self weights; the total keys and weights (each line once per sample). None
    when the profile has no such places."""
    sl = profile.sample_lines
    if sl is None or not len(sl.frame):
        return None
    table = function_table(profile)
    weight = profile.samples.weight.astype(np.float64)
    npaths = len(sl.start) - 1
    has = sl.path >= 0
    path_w = np.bincount(sl.path[has], weights=weight[has], minlength=npaths)
    sizes = np.diff(sl.start)
    entry_path = np.repeat(np.arange(npaths), sizes)
    entry_func = table.of_frame[sl.frame].astype(np.int64)
    keys = np.stack([entry_func, sl.file.astype(np.int64), sl.line.astype(np.int64)], axis=1)
    # self: the last entry of a path is the leaf frame of its samples
    leaf = (sl.start[1:] - 1)[sizes > 0]
    leaf = leaf[sl.line[leaf] > 0]
    leaf_path = entry_path[leaf]
    path_placed = np.zeros(npaths, dtype=bool)
    path_placed[leaf_path] = True
    placed = has & path_placed[np.maximum(sl.path, 0)]
    node_placed = np.bincount(
        profile.samples.stack[placed], weights=weight[placed], minlength=len(profile.stacks)
    )
    # total: every placed (function, file, line) of a path, once, with the path's weight
    on = np.flatnonzero(sl.line > 0)
    rows = np.unique(np.column_stack([entry_path[on], keys[on]]), axis=0).reshape(-1, 4)
    return keys[leaf], node_placed, path_w[leaf_path], rows[:, 1:], path_w[rows[:, 0]]


def top_lines(profile: Profile, n: int | None = None) -> list[LineStat]:
    """Source lines by self weight (then total), the first ``n``; rows name the line's function
    (``name``, ``file``), the ``line`` (None when unknown) and a ``label`` such as
    ``app.py:10 compute``."""
    table = function_table(profile)
    labels = function_labels(profile)
    func, files, line, self_w, total = line_weights(profile)
    s = profile.strings
    rows = []
    for f, fid, ln, sw, tw in zip(
        func.tolist(), files.tolist(), line.tolist(), self_w.tolist(), total.tolist(), strict=True
    ):
        if tw <= 0 and sw <= 0:
            continue
        file = s[fid]
        where = place(file, ln) if ln else ""
        name = s[table.name[f]]
        if not where:
            label = labels[f]
        elif labels[f] == f"{name} {where}":  # the function's label already names this line
            label = f"{where} {name}"
        else:
            label = f"{where} {labels[f]}"
        rows.append(
            LineStat(
                name,
                file or None,
                ln or None,
                sw,
                tw,
                label=label,
                function_line=int(table.line[f]) or None,
                function_column=int(table.column[f]) or None,
            )
        )
    rows.sort(key=lambda r: (-r.self, -r.total, r.label))
    return rows if n is None else rows[:n]
