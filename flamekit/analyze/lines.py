"""Line-level time: the hottest source lines, self and total (``top --by line``).

Where the lines come from is what the importer recorded:

- frames whose line is the line being run (py-spy, perf srcline): every frame of a stack is at a
  line, so a line has a self weight (samples whose leaf ran it) and a total (samples with it
  anywhere on the stack, once per sample);
- :class:`~flamekit.model.LineTicks` (V8 ``positionTicks``, Chrome trace chunk ``lines``): a
  node's self weight is split over its lines in proportion to the ticks; V8 records no line for
  the callers, so these lines have total = self.

A line is one function's line: two functions on one line (two callbacks) are two rows. Self
weight the format does not place on a line goes to the function's row with ``line`` None.
"""

from __future__ import annotations

import numpy as np

from ..model import Profile
from ..tree import first_occurrence
from .naming import function_labels, place
from .weights import FunctionStat, _int_if_exact, function_table, node_self, node_total


def _running_lines(profile: Profile) -> np.ndarray:
    """Per frame, the line being run where the frame records one (not its function's own)."""
    fr = profile.frames
    return np.where(~fr.owns_line() & (fr.line > 0), fr.line, 0).astype(np.int64)


def line_weights(profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(function id, line, self, total) per source line with weight, line 0 meaning unknown."""
    st = profile.stacks
    func_of_node = function_table(profile).of_frame[st.frame].astype(np.int64)
    run_line = _running_lines(profile)
    self_node = node_self(profile).astype(np.float64)
    span = int(max(run_line.max(initial=0), 0)) + 1
    lt = profile.line_ticks
    ticked = np.zeros(len(st), dtype=bool)
    if lt is not None and len(lt):
        span = max(span, int(lt.line.max()) + 1)
        ticked[lt.node] = True
    # self weight: the nodes without ticks at their frame's line, the others split by ticks
    plain = np.flatnonzero(~ticked & (self_node != 0))
    key = func_of_node[plain] * span + run_line[st.frame[plain]]
    w = self_node[plain]
    if lt is not None and len(lt):
        per_node = np.bincount(lt.node, weights=lt.ticks, minlength=len(st))
        key = np.r_[key, func_of_node[lt.node] * span + lt.line]
        w = np.r_[w, lt.ticks / per_node[lt.node] * self_node[lt.node]]
    # totals of lines that frames run: each sample once per line, as for functions
    run_key = np.where(run_line > 0, function_table(profile).of_frame * span + run_line, -1)
    firsts = first_occurrence(st, run_key) & (run_key[st.frame] >= 0)
    tkey = run_key[st.frame[firsts]]
    tw = node_total(profile)[firsts].astype(np.float64)
    uniq, inverse = np.unique(np.concatenate([key, tkey]), return_inverse=True)
    self_sum = np.bincount(inverse[: len(key)], weights=w, minlength=len(uniq))
    run_total = np.bincount(inverse[len(key) :], weights=tw, minlength=len(uniq))
    has_run = np.bincount(inverse[len(key) :], minlength=len(uniq)) > 0
    total = np.where(has_run, run_total, self_sum)
    like = profile.samples.weight
    return (
        uniq // span,
        uniq % span,
        _int_if_exact(self_sum, like),
        _int_if_exact(total, like),
    )


def top_lines(profile: Profile, n: int | None = None) -> list[FunctionStat]:
    """Source lines by self weight (then total), the first ``n``; rows name the line's function
    (``name``, ``file``), the ``line`` (None when unknown) and a ``label`` such as
    ``app.py:10 compute``."""
    table = function_table(profile)
    labels = function_labels(profile)
    func, line, self_w, total = line_weights(profile)
    s = profile.strings
    rows = []
    for f, ln, sw, tw in zip(
        func.tolist(), line.tolist(), self_w.tolist(), total.tolist(), strict=True
    ):
        if tw <= 0 and sw <= 0:
            continue
        file = s[table.file[f]]
        where = place(file, ln) if ln else ""
        name = s[table.name[f]]
        if not where:
            label = labels[f]
        elif labels[f] == f"{name} {where}":  # the function's label already names this line
            label = f"{where} {name}"
        else:
            label = f"{where} {labels[f]}"
        rows.append(FunctionStat(name, file or None, ln or None, sw, tw, label=label))
    rows.sort(key=lambda r: (-r.self, -r.total, r.label))
    return rows if n is None else rows[:n]
