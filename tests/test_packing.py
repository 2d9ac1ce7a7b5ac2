"""Circle packing: no overlaps, deterministic, compact, and it fits the box it is given."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.render.packing import fit, pack_circles


def overlaps(p, padding=0.0):
    out = []
    for a in range(len(p.r)):
        for b in range(a + 1, len(p.r)):
            dist = ((p.x[a] - p.x[b]) ** 2 + (p.y[a] - p.y[b]) ** 2) ** 0.5
            if dist < p.r[a] + p.r[b] + padding - 1e-6 * (1 + p.r[a] + p.r[b]):
                out.append((a, b, dist))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.5, 100.0), min_size=1, max_size=40), st.floats(0.0, 5.0))
def test_no_two_circles_overlap(radii, padding):
    p = pack_circles(radii, padding)
    assert list(p.r) == radii
    assert overlaps(p, padding) == []


def test_deterministic_and_compact():
    radii = [np.sqrt(v) for v in (300, 217, 120, 50, 50, 30, 12, 11, 10, 10)]
    a = pack_circles(radii, 1.0)
    b = pack_circles(radii, 1.0)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    # the largest sits at the origin and the pack is not strung out in a line
    assert (a.x[0], a.y[0]) == (0.0, 0.0)
    x0, y0, x1, y1 = a.bounds()
    total_area = sum(np.pi * r * r for r in radii)
    assert (x1 - x0) * (y1 - y0) < 3.0 * total_area
    assert (y1 - y0) > 2 * radii[0]  # it grew in two dimensions


def test_fit_keeps_shapes_inside_the_box():
    p = fit(pack_circles([30, 20, 10, 10, 5], 2.0), 400, 300, margin=4)
    x0, y0, x1, y1 = p.bounds()
    assert x0 >= 4 - 1e-9 and y0 >= 4 - 1e-9 and x1 <= 396 + 1e-9 and y1 <= 296 + 1e-9
    assert overlaps(p) == []
    assert min(x0 - 4, 396 - x1) < 1e-6 or min(y0 - 4, 296 - y1) < 1e-6  # touches one pair of edges


def test_empty_and_single():
    assert len(pack_circles([]).r) == 0
    p = fit(pack_circles([7.0]), 100, 50)
    assert (p.x[0], p.y[0], p.r[0]) == (50.0, 25.0, 25.0)
