"""Frame colours: deterministic from the frame's name, in FlameGraph's palettes or by frame kind.

The palettes follow the colour ranges ``flamegraph.pl`` documents (hot, mem, io and the flat
palettes red ... orange, plus the java, js and perl multi-palettes that pick a flat palette from
the shape of the name). Unlike ``flamegraph.pl``'s default, the variation inside a palette comes
from a hash of the name, so the same name has the same colour in every run and every graph.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from itertools import repeat

import numpy as np

from ..core.model import FrameKind
from ..errors import UsageError

# (red, green, blue) as (base, span, which hash value) per channel; a channel's value is
# base + int(span * v) with v in [0, 1).
_FLAT: dict[str, tuple[tuple[int, int, int], ...]] = {
    "red": ((200, 55, 0), (50, 80, 0), (50, 80, 0)),
    "green": ((50, 60, 0), (200, 55, 0), (50, 60, 0)),
    "blue": ((80, 60, 0), (80, 60, 0), (205, 50, 0)),
    "yellow": ((175, 55, 0), (175, 55, 0), (50, 20, 0)),
    "purple": ((190, 65, 0), (80, 60, 0), (190, 65, 0)),
    "aqua": ((50, 60, 0), (165, 55, 0), (165, 55, 0)),
    "orange": ((190, 65, 0), (90, 65, 0), (0, 0, 0)),
    "hot": ((205, 50, 2), (0, 230, 0), (0, 55, 1)),
    "mem": ((0, 0, 0), (190, 50, 1), (0, 210, 0)),
    "io": ((80, 60, 0), (80, 60, 0), (190, 55, 1)),
    "grey": ((160, 30, 0), (160, 30, 0), (160, 30, 0)),
    # kind colours only (not name palettes): frames of no known kind, and process/thread roots
    "sand": ((200, 30, 0), (170, 30, 0), (130, 30, 0)),
    "slate": ((175, 20, 0), (195, 20, 0), (230, 25, 0)),
}

MULTI_PALETTES = ("java", "js", "perl")
NAME_PALETTES = (*_FLAT.keys() - {"grey", "sand", "slate"}, *MULTI_PALETTES)
KIND_PALETTE = "kind"
PALETTES = (*tuple(sorted(NAME_PALETTES)), KIND_PALETTE)

# Background gradients (top, bottom) by name, as flamegraph.pl offers them.
BACKGROUNDS = {
    "yellow": ("#eeeeee", "#eeeeb0"),
    "blue": ("#eeeeee", "#e0e0ff"),
    "green": ("#eef2ee", "#e0ffe0"),
    "grey": ("#f8f8f8", "#e8e8e8"),
}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

# The flat palette each frame kind is drawn in, and the legend's words for it.
KIND_COLORS: dict[FrameKind, tuple[str, str]] = {
    FrameKind.USER: ("green", "user code"),
    FrameKind.DEPENDENCY: ("aqua", "dependency"),
    FrameKind.RUNTIME: ("yellow", "runtime core"),
    FrameKind.NATIVE: ("red", "native"),
    FrameKind.KERNEL: ("orange", "kernel"),
    FrameKind.JIT: ("blue", "JIT"),
    FrameKind.GC: ("purple", "GC"),
    FrameKind.IDLE: ("grey", "idle"),
    FrameKind.SYNTHETIC: ("slate", "process / thread"),
    FrameKind.UNKNOWN: ("sand", "other"),
}

# Matched frames while searching: far (CIEDE2000 > 25) from every colour of every palette,
# the kinds' and the differential graph's red and blue; visible (3:1) on the light and the
# dark page; labels on it are white (5.4:1). tests/test_colors.py holds it to that.
SEARCH_COLOR = "#5c7048"

BLACK, WHITE = "#000000", "#ffffff"

_JAVA_PACKAGE = re.compile(r"^L?(java|javax|jdk|net|org|com|io|sun)/")


def _js_path(name: str) -> bool:
    """``/.*\\.js`` found in ``name`` (a '/' then '.js' on one line), in linear time."""
    return any(0 <= line.find("/") < line.rfind(".js") for line in name.split("\n"))


def name_hash(name: str) -> tuple[float, float, float]:
    """Three numbers in [0, 1) that depend only on ``name``."""
    data = name.encode("utf-8", "surrogatepass")
    h1 = zlib.crc32(data)
    h2 = zlib.crc32(data[::-1], 0x9E3779B9)
    return (h1 & 0xFFFF) / 65536.0, (h2 & 0xFFFF) / 65536.0, (h1 >> 16) / 65536.0


def _flat_palette(palette: str, name: str) -> str:
    """The flat palette that a multi-palette (java, js, perl) uses for ``name``."""
    if palette == "java":
        if name.endswith("_[j]"):
            return "green"
        if name.endswith("_[i]"):
            return "aqua"
        if _JAVA_PACKAGE.match(name) or ":::" in name:
            return "green"
        if "::" in name:
            return "yellow"
        if name.endswith("_[k]"):
            return "orange"
        return "red"
    if palette == "perl":
        if "::" in name:
            return "yellow"
        if "Perl" in name or ".pl" in name:
            return "green"
        if name.endswith("_[k]"):
            return "orange"
        return "red"
    if palette == "js":
        if name.endswith("_[j]"):
            return "green" if "/" in name else "aqua"
        if "::" in name:
            return "yellow"
        if _js_path(name):
            return "green"
        if ":" in name:
            return "aqua"
        if name == " ":
            return "green"
        if "_[k]" in name:
            return "orange"
        return "red"
    return palette


def palette_rgb(palette: str, name: str) -> tuple[int, int, int]:
    """The colour of a frame called ``name`` in a name-based palette."""
    v = name_hash(name)
    (b0, s0, w0), (b1, s1, w1), (b2, s2, w2) = _FLAT[_flat_palette(palette, name)]
    return b0 + int(s0 * v[w0]), b1 + int(s1 * v[w1]), b2 + int(s2 * v[w2])


def palette_colors(palette: str, names: Sequence[str]) -> list[str]:
    """``hex_color(palette_rgb(palette, name))`` for each of ``names``: each name hashed in C,
    the channel arithmetic in numpy (with the same float64 steps, so the same colours)."""
    data = [name.encode("utf-8", "surrogatepass") for name in names]
    count = len(data)
    h1 = np.fromiter(map(zlib.crc32, data), dtype=np.int64, count=count)
    backwards = [d[::-1] for d in data]
    h2 = np.fromiter(map(zlib.crc32, backwards, repeat(0x9E3779B9)), dtype=np.int64, count=count)
    v = ((h1 & 0xFFFF) / 65536.0, (h2 & 0xFFFF) / 65536.0, (h1 >> 16) / 65536.0)
    if palette in MULTI_PALETTES:  # each name's flat palette
        flats = np.array([_flat_palette(palette, name) for name in names])
        parts = [(flat, np.flatnonzero(flats == flat)) for flat in set(flats.tolist())]
    else:
        parts = [(palette, np.arange(count))]
    channels = np.zeros((3, count), dtype=np.int64)
    for flat, sel in parts:
        for c, (base, span, which) in enumerate(_FLAT[flat]):
            channels[c, sel] = base + (span * v[which][sel]).astype(np.int64)
    return list(map("#{:02x}{:02x}{:02x}".format, *channels.tolist()))


def hex_color(rgb: tuple[int, int, int]) -> str:
    r, g, b = rgb
    return f"#{r:02x}{g:02x}{b:02x}"


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


_LINEAR = tuple(_linear(c) for c in range(256))  # per channel value, computed once


def luminance(color: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    r, g, b = int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
    return 0.2126 * _LINEAR[r] + 0.7152 * _LINEAR[g] + 0.0722 * _LINEAR[b]


def _ratio(la: float, lb: float) -> float:
    """The contrast ratio of two luminances."""
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    return _ratio(luminance(a), luminance(b))


_BLACK_WHITE = (luminance(BLACK), luminance(WHITE))


def label_color(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (one of them is always >= 4.58:1)."""
    lf = luminance(fill)
    black, white = _BLACK_WHITE
    return BLACK if _ratio(lf, black) >= _ratio(lf, white) else WHITE


def white_label_fills(fills: Iterable[str]) -> set[str]:
    """The ``#rrggbb`` fills among ``fills`` whose :func:`label_color` is white, worked out in
    numpy with the same arithmetic (a flame graph has thousands of fills)."""
    distinct = list(set(fills))
    if not distinct:
        return set()
    rgb = np.array([int(f[1:7], 16) for f in distinct], dtype=np.int64)
    linear = np.array(_LINEAR)
    lf = 0.2126 * linear[rgb >> 16] + 0.7152 * linear[(rgb >> 8) & 255] + 0.0722 * linear[rgb & 255]
    black, white = _BLACK_WHITE
    on_black = (np.maximum(lf, black) + 0.05) / (np.minimum(lf, black) + 0.05)
    on_white = (np.maximum(lf, white) + 0.05) / (np.minimum(lf, white) + 0.05)
    white_reads = (on_black < on_white).tolist()
    return {f for f, white_label in zip(distinct, white_reads, strict=True) if white_label}


def frame_colors(palette: str, names: Sequence[str], kinds: np.ndarray | None = None) -> list[str]:
    """A ``#rrggbb`` colour for each frame, from its name (and kind for the kind palette)."""
    if palette not in PALETTES:
        raise UsageError(
            f"--colors {palette}: unknown palette", hint=f"choose one of: {', '.join(PALETTES)}"
        )
    if palette != KIND_PALETTE:  # one colour per distinct name
        distinct = list(set(names))
        by_name = dict(zip(distinct, palette_colors(palette, distinct), strict=True))
        return list(map(by_name.__getitem__, names))
    kind_list = kinds.tolist() if kinds is not None else [0] * len(names)
    flat_of = {k: KIND_COLORS[FrameKind(k)][0] for k in set(kind_list)}
    keys = list(zip(map(flat_of.__getitem__, kind_list), names, strict=True))
    by_key: dict[tuple[str, str], str] = {}
    for flat in set(flat_of.values()):
        distinct = list({key[1] for key in keys if key[0] == flat})
        by_key.update(
            zip([(flat, n) for n in distinct], palette_colors(flat, distinct), strict=True)
        )
    return list(map(by_key.__getitem__, keys))


def kind_legend(kinds: np.ndarray) -> list[tuple[str, str]]:
    """(label, colour) for each frame kind present, in FrameKind order, for the kind palette."""
    present = sorted(set(np.asarray(kinds).tolist()))
    out = []
    for k in present:
        flat, label = KIND_COLORS[FrameKind(k)]
        # the middle of the palette's range stands for the whole kind
        rgb = tuple(base + int(span * 0.5) for base, span, _ in _FLAT[flat])
        out.append((label, hex_color(rgb)))  # type: ignore[arg-type]
    return out


def default_background(palette: str) -> str:
    """The background flamegraph.pl pairs with a palette."""
    if palette == "mem":
        return "green"
    if palette == "io":
        return "blue"
    if palette in ("red", "green", "blue", "aqua", "yellow", "purple", "orange", KIND_PALETTE):
        return "grey"
    return "yellow"


def background(bgcolors: str) -> tuple[str, str]:
    """The (top, bottom) gradient of a named background, or a flat ``#rrggbb``."""
    if bgcolors in BACKGROUNDS:
        return BACKGROUNDS[bgcolors]
    if _HEX.match(bgcolors):
        return bgcolors.lower(), bgcolors.lower()
    raise UsageError(
        f"--bgcolors {bgcolors}: unknown background",
        hint=f"choose one of: {', '.join(BACKGROUNDS)} or a colour like #f0f0f0",
    )


def default_palette(knows_kinds: bool, kinds: np.ndarray, unit: str = "samples") -> str:
    """Memory colours for sizes; kind colours for formats that know what each frame is; the
    classic 'hot' otherwise."""
    if unit == "bytes":
        return "mem"
    if not knows_kinds or not np.any(kinds != FrameKind.UNKNOWN):
        return "hot"
    return KIND_PALETTE
