"""Deterministic, non-overlapping circle packing for bubble charts.

Circles are placed largest first. The first sits at the origin, the second to its right; every
later circle goes to the spot touching two circles already placed that keeps the pack's outer
radius smallest (ties: nearest the origin, then the first candidate found). Candidates for every
pair are computed at once with numpy, so packing a hundred circles takes milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Packed:
    x: np.ndarray
    y: np.ndarray
    r: np.ndarray

    def bounds(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) of the circles' extents."""
        if len(self.r) == 0:
            return (0.0, 0.0, 0.0, 0.0)
        return (
            float((self.x - self.r).min()),
            float((self.y - self.r).min()),
            float((self.x + self.r).max()),
            float((self.y + self.r).max()),
        )


def pack_circles(radii, padding: float = 0.0) -> Packed:
    """Centres for circles of the given radii (in input order), at least ``padding`` apart."""
    r = np.asarray(radii, dtype=np.float64)
    n = len(r)
    x = np.zeros(n)
    y = np.zeros(n)
    if n == 0:
        return Packed(x, y, r)
    if np.any(r < 0) or not np.all(np.isfinite(r)):
        raise ValueError("radii must be finite and non-negative")
    order = np.lexsort((np.arange(n), -r))
    rp = r + padding / 2  # padded radii: touching padded circles are `padding` apart
    placed = [int(order[0])]
    if n > 1:
        second = int(order[1])
        x[second] = rp[order[0]] + rp[second]
        placed.append(second)
    for k in order[2:]:
        k = int(k)
        idx = np.array(placed)
        cx, cy, cr = x[idx], y[idx], rp[idx]
        i, j = np.triu_indices(len(idx), 1)
        ri = cr[i] + rp[k]
        rj = cr[j] + rp[k]
        dx = cx[j] - cx[i]
        dy = cy[j] - cy[i]
        d = np.hypot(dx, dy)
        ok = (d > 0) & (d <= ri + rj) & (d >= np.abs(ri - rj))
        i, j, ri, rj, dx, dy, d = i[ok], j[ok], ri[ok], rj[ok], dx[ok], dy[ok], d[ok]
        a = (ri**2 - rj**2 + d**2) / (2 * d)
        h = np.sqrt(np.maximum(ri**2 - a**2, 0.0))
        bx = cx[i] + a * dx / d
        by = cy[i] + a * dy / d
        px = np.concatenate([bx - h * dy / d, bx + h * dy / d])
        py = np.concatenate([by + h * dx / d, by - h * dx / d])
        # keep the candidates that overlap nothing already placed (a little slack for rounding)
        gap = np.hypot(px[:, None] - cx[None, :], py[:, None] - cy[None, :])
        free = np.all(gap >= cr[None, :] + rp[k] - 1e-9 * (1 + cr.max() + rp[k]), axis=1)
        if not np.any(free):  # cannot happen for two or more placed circles; stay safe anyway
            x[k] = float((cx + cr).max() + rp[k])
            y[k] = 0.0
        else:
            px, py = px[free], py[free]
            dist = np.hypot(px, py)
            best = int(np.lexsort((np.arange(len(px)), dist, dist + rp[k]))[0])
            x[k], y[k] = px[best], py[best]
        placed.append(k)
    return Packed(x, y, r)


def fit(packed: Packed, width: float, height: float, margin: float = 0.0) -> Packed:
    """Scale and move a packing to fit a ``width`` x ``height`` box, centred."""
    if len(packed.r) == 0:
        return packed
    x0, y0, x1, y1 = packed.bounds()
    w = max(x1 - x0, 1e-12)
    h = max(y1 - y0, 1e-12)
    scale = min((width - 2 * margin) / w, (height - 2 * margin) / h)
    ox = (width - w * scale) / 2 - x0 * scale
    oy = (height - h * scale) / 2 - y0 * scale
    return Packed(packed.x * scale + ox, packed.y * scale + oy, packed.r * scale)
