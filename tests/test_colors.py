"""Colours, computed: labels readable on every bar of every palette (WCAG 4.5:1), the search
highlight apart from every palette colour and visible on both themes, kinds told apart."""

from __future__ import annotations

import itertools

import pytest

from flamekit.render import colors
from flamekit.render.diff_flame import _BLUE, _RED, LEGEND
from tests.colour_reference import colour_difference, contrast

DARK_PAGE = "#1d2026"  # web/flamegraph-page.css, dark theme
LIGHT_BACKGROUNDS = sorted({c for pair in colors.BACKGROUNDS.values() for c in pair})
STEPS = 6  # values per hash-driven channel: its ends and four between


def palette_colours(flat: str) -> list[str]:
    """Every colour of a flat palette at STEPS points of each hash value (channels that share a
    hash value move together), ends included."""
    spec = colors._FLAT[flat]
    which = sorted({w for _, _, w in spec})
    out = set()
    for values in itertools.product(range(STEPS), repeat=len(which)):
        v = dict(zip(which, (k / (STEPS - 1) * 0.99999 for k in values), strict=True))
        rgb = tuple(base + int(span * v[w]) for base, span, w in spec)
        out.add(colors.hex_color(rgb))
    return sorted(out)


FLATS = sorted(colors._FLAT)
DIFF = sorted(set(_RED.tolist()) | set(_BLUE.tolist()) | {c for _, c in LEGEND})
EVERY = sorted({c for f in FLATS for c in palette_colours(f)} | set(DIFF))


def test_the_reference_formulas_agree_with_flamekit():
    for fill in EVERY[::7]:
        assert colors.contrast(fill, "#000000") == pytest.approx(contrast(fill, "#000000"))


@pytest.mark.parametrize("flat", FLATS)
def test_labels_read_on_every_colour_of_every_palette(flat):
    for fill in palette_colours(flat):
        assert contrast(fill, colors.label_color(fill)) >= 4.5, (flat, fill)


def test_labels_read_on_the_differential_colours():
    for fill in DIFF:
        assert contrast(fill, colors.label_color(fill)) >= 4.5, fill
    # the saturated blue of a big shrink carries white labels, the palest tints black ones
    assert colors.label_color(_BLUE[0]) == colors.WHITE
    assert colors.label_color(_BLUE[230]) == colors.BLACK


def test_search_highlight_is_apart_from_every_palette_colour():
    search = colors.SEARCH_COLOR
    nearest = min(EVERY, key=lambda c: colour_difference(search, c))
    assert colour_difference(search, nearest) > 25, nearest
    # visible as a shape on the light backgrounds and on the dark page (WCAG 1.4.11: 3:1)
    for background in [*LIGHT_BACKGROUNDS, DARK_PAGE]:
        assert contrast(search, background) >= 3, background
    assert contrast(search, colors.label_color(search)) >= 4.5


def test_the_old_search_colour_was_too_close_to_gc():
    gc = colors.kind_legend([int(colors.FrameKind.GC)])[0][1]
    assert colour_difference("#e600e6", gc) < 12 < colour_difference(colors.SEARCH_COLOR, gc)


def _separation(a: list[str], b: list[str]) -> float:
    return min(colour_difference(x, y) for x in a for y in b)


def test_every_kind_has_its_own_colours():
    flats = {kind: flat for kind, (flat, _) in colors.KIND_COLORS.items()}
    assert len(set(flats.values())) == len(flats), "two kinds share a palette"
    for (ka, fa), (kb, fb) in itertools.combinations(flats.items(), 2):
        sep = _separation(palette_colours(fa), palette_colours(fb))
        assert sep >= 12, f"{ka.name} ({fa}) and {kb.name} ({fb}) are {sep:.1f} apart"


@pytest.mark.parametrize("palette", colors.MULTI_PALETTES)
def test_the_classes_of_a_multi_palette_are_apart(palette):
    # the flat palettes a multi-palette (java, js, perl) picks for the shapes of names
    probes = ["a_[j]", "a/b_[j]", "a_[i]", "java/x", "a::b", "a_[k]", "x.pl", "a/b.js", "m:n", "c"]
    used = sorted({colors._flat_palette(palette, name) for name in probes})
    assert len(used) >= 3
    for fa, fb in itertools.combinations(used, 2):
        assert _separation(palette_colours(fa), palette_colours(fb)) >= 12, (fa, fb)


def test_white_labels_in_bulk_are_the_ones_label_color_picks():
    """The numpy form gives the same choice as the per-colour one, bit for bit: every grey, the
    colours next to the black/white turning point, and a spread over the whole cube."""
    fills = {f"#{v:02x}{v:02x}{v:02x}" for v in range(256)}
    fills |= {
        f"#{r:02x}{g:02x}{b:02x}"
        for r in range(0, 256, 5)
        for g in range(0, 256, 5)
        for b in range(0, 256, 5)
    }
    fills |= {f"#{(v * 2654435761) % (1 << 24):06x}" for v in range(20000)}
    fills = sorted(fills)
    expected = {f for f in fills if colors.label_color(f) == colors.WHITE}
    assert 0 < len(expected) < len(fills)
    assert colors.white_label_fills(fills + fills[:10]) == expected
    assert colors.white_label_fills([]) == set()


@pytest.mark.parametrize("palette", colors.PALETTES)
def test_frame_colours_in_bulk_match_one_by_one(palette):
    """Names that take every branch of the multi-palettes, names that are not ASCII, one that
    holds a lone surrogate: the bulk colours are the one-by-one ones."""
    import numpy as np

    shapes = [
        "fn{}_[k]",
        "fn{}_[j]",
        "fn{}_[i]",
        "pkg/mod{}.js:3",
        "Lcom/app/K{};run",
        "ns::f{}",
        "main{}.pl",
        "Perl_run{}",
        "app:{}",
        " ",
        "héllo{}",
        "\udc80x{}",
        "a:::b{}",
        "x{}",
    ]
    names = [shape.format(i % 13) for i in range(300) for shape in [shapes[i % len(shapes)]]]
    kinds = np.array([i % 7 for i in range(300)], dtype=np.uint8)
    got = colors.frame_colors(palette, names, kinds)
    for name, kind, color in zip(names, kinds.tolist(), got, strict=True):
        flat = palette
        if palette == colors.KIND_PALETTE:
            flat = colors.KIND_COLORS[colors.FrameKind(kind)][0]
        assert color == colors.hex_color(colors.palette_rgb(flat, name))
