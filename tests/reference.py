"""Plain-Python reference computations over lists of (stack names, weight), written apart from
the numpy code under test, and helpers to build and read back small profiles."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import numpy as np
import pytest
from hypothesis import strategies as st

from flamekit.builder import ProfileBuilder, validate
from flamekit.core.weights import node_self, node_total
from flamekit.model import FrameKind


def build(stacks, *, threads=None, times=None, unit="samples"):
    """A profile from [(names, weight)]; optional per-sample thread names and times."""
    b = ProfileBuilder("test", unit=unit)
    for i, (names, weight) in enumerate(stacks):
        frames = [
            b.frame(n, kind=FrameKind.IDLE if n == "IDLE" else FrameKind.UNKNOWN) for n in names
        ]
        thread = b.thread(tid=100 + len(threads[i]), name=threads[i]) if threads else 0
        b.sample(
            b.stack_path(frames), weight, time=None if times is None else times[i], thread=thread
        )
    return b.build()


def folded(profile) -> dict[str, int | float]:
    """The profile as {"a;b;c": weight}, read through the public model only."""
    out: Counter = Counter()
    for node, weight in zip(
        profile.samples.stack.tolist(), profile.samples.weight.tolist(), strict=True
    ):
        out[";".join(profile.stack_names(node))] += weight
    return {k: v for k, v in sorted(out.items())}


def as_folded(stacks) -> dict[str, int | float]:
    out: Counter = Counter()
    for names, weight in stacks:
        out[";".join(names)] += weight
    return {k: v for k, v in sorted(out.items())}


SEP = "\x1f"  # labels of real samples: name SEP file (SEP frame id): regexes see the name


def hit(rx, label: str) -> bool:
    return re.search(rx, label.split(SEP, 1)[0]) is not None


def ref_focus(stacks, rx):
    return [(s, w) for s, w in stacks if any(hit(rx, f) for f in s)]


def ref_exclude(stacks, rx):
    return [(s, w) for s, w in stacks if not any(hit(rx, f) for f in s)]


def ref_focus_root(stacks, rx):
    out = []
    for s, w in stacks:
        for i, f in enumerate(s):
            if hit(rx, f):
                out.append((s[i:], w))
                break
    return out


def ref_hide(stacks, rx):
    out = []
    for s, w in stacks:
        kept = [f for f in s if not hit(rx, f)]
        labelled = any(SEP in f for f in s)  # a real sample's labels carry a (empty) file
        out.append((kept or ["(hidden)" + (SEP if labelled else "")], w))
    return out


def ref_collapse(stacks, direct_only=False):
    out = []
    for s, w in stacks:
        path: list[str] = []
        for f in s:
            if direct_only:
                if not path or path[-1] != f:
                    path.append(f)
            elif f in path:
                del path[path.index(f) + 1 :]
            else:
                path.append(f)
        out.append((path, w))
    return out


def ref_invert(stacks):
    return [(list(reversed(s)), w) for s, w in stacks]


def ref_self_total(stacks):
    """Per-function self and total (a function counts once per sample)."""
    self_w: Counter = Counter()
    total_w: Counter = Counter()
    for s, w in stacks:
        self_w[s[-1]] += w
        for f in set(s):
            total_w[f] += w
    return self_w, total_w


def ref_prefix_totals(stacks):
    """{path tuple: (total, self)} for every prefix of every stack."""
    total: Counter = Counter()
    self_w: Counter = Counter()
    for s, w in stacks:
        for i in range(1, len(s) + 1):
            total[tuple(s[:i])] += w
        self_w[tuple(s)] += w
    return {p: (total[p], self_w[p]) for p in total}


def ref_ends(stacks, threshold=0.0):
    """{path: total} of the nodes where descending into the heaviest child stops."""
    nodes = ref_prefix_totals(stacks)
    kids = defaultdict(list)
    for path in nodes:
        if len(path) > 1:
            kids[path[:-1]].append(nodes[path][0])
    out = {}
    for path, (total, self_w) in nodes.items():
        heaviest = max(kids[path], default=0)
        if total > 0 and (heaviest <= 0 or heaviest < max(self_w, threshold * total)):
            out[path] = total
    return out


def ref_sandwich(stacks, rx):
    """({callers path: total}, {callees path: total}) counting each sample at its outermost
    matching frame."""
    callers: Counter = Counter()
    callees: Counter = Counter()
    for s, w in stacks:
        hits = [i for i, f in enumerate(s) if hit(rx, f)]
        if not hits:
            continue
        j = hits[0]
        up = list(reversed(s[: j + 1]))
        for k in range(1, len(up) + 1):
            callers[tuple(up[:k])] += w
        down = s[j:]
        for k in range(1, len(down) + 1):
            callees[tuple(down[:k])] += w
    return callers, callees


def tree_paths(nodes, with_file: bool = False):
    out: Counter = Counter()
    paths = []
    for n in nodes:
        label = n.name
        if with_file:
            label += SEP + (n.file or "")
            if n.line or n.column:
                label += f"{SEP}{n.line or 0}:{n.column or 0}"
        path = (*paths[n.parent], label) if n.parent >= 0 else (label,)
        paths.append(path)
        out[path] += n.total
    return out


def frame_label(p, frame: int, key: str) -> str:
    """A frame as a reference label: its name, its function or the frame. A function is its name
    and file, plus its own line and column where the importer recorded them as the function's
    position (``Frames.own_line``, V8); a line that is only the line being run is not part of it."""
    name = p.frame_name(frame)
    if key == "name":
        return name
    label = name + SEP + p.frame_file(frame)
    if p.frames.own_line is not None and p.frames.own_line[frame]:
        label += f"{SEP}{int(p.frames.line[frame])}:{int(p.frames.column[frame])}"
    return label if key == "function" else label + SEP + str(frame)


def samples_of(p, key: str = "name"):
    """[(labels, weight)] per sample, read through the public model only."""
    pairs = zip(p.samples.stack.tolist(), p.samples.weight.tolist(), strict=True)
    return [([frame_label(p, f, key) for f in p.stack_frames(s)], w) for s, w in pairs]


def folded_by(profile, key: str) -> dict:
    """Like :func:`folded`, with frames labelled as in :func:`samples_of`."""
    return as_folded(samples_of(profile, key))


def check_tree(profile):
    """The model's invariants plus: sum of self is the total; node total = self + children."""
    validate(profile)
    self_w, total_w = node_self(profile), node_total(profile)
    assert self_w.sum() == pytest.approx(profile.total_weight())
    children = np.zeros(len(total_w), dtype=np.float64)
    par = profile.stacks.parent
    np.add.at(children, par[par >= 0], total_w[par >= 0])
    assert np.allclose(total_w, self_w + children)


names = st.sampled_from(["a", "b", "c", "d", "main", "IDLE"])
stack_lists = st.lists(
    st.tuples(st.lists(names, min_size=1, max_size=8), st.integers(min_value=0, max_value=50)),
    min_size=1,
    max_size=30,
)


ANONYMOUS = {"", "(anonymous)", "(anonymous function)", "<anonymous>", "anonymous"}


def ref_display_names(p) -> list[str]:
    """Per frame, its function's display name by the documented rule, worked out apart from
    flamekit.analyze.naming: anonymous functions and functions sharing a name with another show
    ``name file:line`` (the file's last part), then the column, then the full path, each step
    only for the functions still alike."""
    s = p.strings
    fr = p.frames
    own = fr.own_line if fr.own_line is not None else [False] * len(fr.name)

    def key(f: int) -> tuple:
        where = s[fr.file[f]] or s[fr.module[f]]
        line, col = (int(fr.line[f]), int(fr.column[f])) if own[f] else (0, 0)
        return (s[fr.name[f]], where, line, col)

    def text(k: tuple, level: int) -> str:
        name, where, line, col = k
        if level == 0 or not where:
            return name or "(anonymous)"
        shown = where if level >= 3 else (where.rstrip("/").rsplit("/", 1)[-1] or where)
        pos = (f":{line}" + (f":{col}" if col and level >= 2 else "")) if line else ""
        return f"{name or '(anonymous)'} {shown}{pos}"

    funcs = sorted({key(f) for f in range(len(fr.name))})
    level = {k: (1 if k[0] in ANONYMOUS else 0) for k in funcs}
    for _ in range(4):
        seen = Counter(text(k, level[k]) for k in funcs)
        alike = [k for k in funcs if seen[text(k, level[k])] > 1 and level[k] < 3]
        if not alike:
            break
        for k in alike:
            level[k] += 1
    return [text(key(f), level[key(f)]) for f in range(len(fr.name))]
