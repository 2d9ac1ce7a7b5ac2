"""Display names: the one place that turns a function or frame into the text a reader sees.

Every output (tables, trees, JSON labels, flame graph bars and tooltips, exports) names code
through these functions, so that two functions are never shown under one name:

- a named function whose name is unique in the profile is shown by its name, ``parse``;
- anonymous code, and every function whose name another function shares, is shown with its
  place, ``(anonymous) app.js:39`` or ``get store.js:12``; the column is added when two share a
  line (``(anonymous) app.js:39:17``), the full path when two share a file name;
- a frame whose line is the line being run (py-spy) adds it: ``compute app.py:10``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..core.model import Profile, column_rows
from ..core.weights import function_table

ANONYMOUS = frozenset({"", "(anonymous)", "(anonymous function)", "<anonymous>", "anonymous"})
_TIERS = 4  # name; short place; short place with column; full place with column


def short_file(file: str) -> str:
    """The last part of a path or URL (``file:///srv/app/a.js`` -> ``a.js``)."""
    cut = file.rstrip("/").replace("\\", "/").rsplit("/", 1)[-1]
    return cut or file


def place(file: str, line: int = 0, column: int = 0, *, full: bool = False) -> str:
    """``a.js:39:17``-style text for a position; empty when the file is unknown."""
    if not file:
        return ""
    text = file if full else short_file(file)
    if line:
        text += f":{line}"
        if column:
            text += f":{column}"
    return text


def label(name: str, file: str = "", line: int = 0, column: int = 0, tier: int = 1) -> str:
    """A function's display text at a level of detail (0: the name alone, 1: with its short
    place, 2: with the column too, 3: with the full path)."""
    shown = name or "(anonymous)"
    if tier <= 0 or not file:
        return shown
    where = place(file, line, column if tier >= 2 else 0, full=tier >= 3)
    return f"{shown} {where}"


def unique_labels(rows: list[tuple[str, str, int, int]], *, placed: bool = False) -> list[str]:
    """Display text for each (name, file or module, own line, own column), all different.

    Anonymous functions always show their place; others show it only when their name is shared,
    with just enough detail (column, full path) to tell them apart; any that are still alike
    (a format that records nothing more) get ``#2``, ``#3``... With ``placed`` every function
    with a file shows its place.
    """
    tier = [1 if placed or name in ANONYMOUS else 0 for name, *_ in rows]
    texts = [
        label(*row, tier=t) if t else (row[0] or "(anonymous)")
        for row, t in zip(rows, tier, strict=True)
    ]
    for _ in range(_TIERS):
        counts = Counter(texts)
        if len(counts) == len(texts):
            return texts  # all different: the common case, decided by one count
        clash = [i for i, text in enumerate(texts) if counts[text] > 1 and tier[i] < _TIERS - 1]
        if not clash:
            break
        for i in clash:
            tier[i] += 1
            texts[i] = label(*rows[i], tier=tier[i])
    seen: dict[str, int] = {}
    out = []
    for text in texts:
        k = seen[text] = seen.get(text, 0) + 1
        out.append(text if k == 1 else f"{text} #{k}")
    return out


def function_labels(profile: Profile, *, placed: bool = False) -> list[str]:
    """Display name of every function of :func:`~flamekit.analyze.weights.function_table`;
    with ``placed`` every function with a file shows its place."""

    def compute():
        t = function_table(profile)
        s = profile.strings
        rows = [
            (s[n], s[f] or s[m], int(line), int(col))
            for n, f, m, line, col in column_rows(t, "name", "file", "module", "line", "column")
        ]
        return unique_labels(rows, placed=placed)

    return profile.cached(("function_labels", placed), compute)


def function_label_of_frames(profile: Profile, *, placed: bool = False) -> list[str]:
    """Per frame, the display name of its function (flame graph bars, exports)."""

    def compute():
        labels = function_labels(profile, placed=placed)
        return [labels[i] for i in function_table(profile).of_frame.tolist()]

    return profile.cached(("function_label_of_frames", placed), compute)


def frame_labels(profile: Profile, *, placed: bool = False) -> list[str]:
    """Per frame, its function's display name plus the line being run where the format records
    one (``compute app.py:10``); frames of one function at two lines read differently."""

    def compute():
        fr = profile.frames
        s = profile.strings
        labels = function_label_of_frames(profile, placed=placed)
        running = (~fr.owns_line()) & (fr.line > 0)
        out = list(labels)
        for f in np.flatnonzero(running).tolist():
            file = s[fr.file[f]]
            if not file:
                continue
            where = place(file)
            text = labels[f]
            line = int(fr.line[f])
            out[f] = f"{text}:{line}" if text.endswith(where) else f"{text} {where}:{line}"
        return out

    return profile.cached(("frame_labels", placed), compute)


def placed_frame_labels(profile: Profile) -> list[str]:
    """Per frame, ``name file:line`` wherever the frame has a file (folded ``--places``)."""
    return frame_labels(profile, placed=True)
