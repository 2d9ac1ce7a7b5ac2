"""The tests: changes in share or rate of samples, with Bonferroni-adjusted intervals."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from .results import Changes


def pct(values, total: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    return v / total * 100 if total else np.zeros_like(v)


def erfc_p(z: np.ndarray) -> np.ndarray:
    return np.array([math.erfc(abs(x) / math.sqrt(2)) for x in z.tolist()])


def proportion_difference(cb, ca, nb: float, na: float, vb=None, va=None):
    """Change in the share of samples, in points, with its standard error.

    Each side's variance is the binomial one (Agresti–Caffo: one success and one failure added,
    which keeps small counts honest) or, when larger, the one seen between consecutive blocks of
    the run (``vb``/``va``): samples of a run are not independent (a descheduled process is
    sampled in the same place again and again), and blocks show how much shares really wander.
    """
    pb = (cb + 1) / (nb + 2)
    pa = (ca + 1) / (na + 2)
    var_b = pb * (1 - pb) / (nb + 2)
    var_a = pa * (1 - pa) / (na + 2)
    if vb is not None:
        var_b = np.maximum(var_b, vb)
    if va is not None:
        var_a = np.maximum(var_a, va)
    se = np.sqrt(var_b + var_a) * 100
    testable = (cb + ca > 0) & ~((cb == nb) & (ca == na))
    return (pa - pb) * 100, se, testable


def rate_difference(cb, ca, nb: float, na: float, vb=None, va=None):
    """Change in sample count as points of BEFORE's samples, with its standard error, treating
    both counts as Poisson (the same sampling rate on both sides), or as overdispersed as the
    blocks of each run show (``vb``/``va``: variances of the share, scaled here to counts)."""
    if not nb:
        zero = np.zeros(len(cb))
        return zero, zero, np.zeros(len(cb), dtype=bool)
    var_b = cb + 0.5
    var_a = ca + 0.5
    if vb is not None:
        var_b = np.maximum(var_b, vb * nb * nb)
    if va is not None:
        var_a = np.maximum(var_a, va * na * na)
    se = np.sqrt(var_b + var_a) / nb * 100
    return (ca - cb) / nb * 100, se, cb + ca > 0


def compare_groups(
    groups, *, samples: tuple[float, float], totals: tuple[float, float], absolute: bool, alpha
) -> list[Changes]:
    """Changes for (weight, count, block-variance) columns of BEFORE and AFTER, in groups.

    Every test of the groups counts towards the Bonferroni correction, so a change is
    significant exactly when its simultaneous interval excludes zero.
    """
    nb, na = samples
    tb, ta = totals
    raw = []
    for wb, wa, cb, ca, vb, va in groups:
        cb = np.asarray(cb, dtype=np.float64)
        ca = np.asarray(ca, dtype=np.float64)
        pct_b = pct(wb, tb)
        pct_a = pct(wa, tb if absolute else ta)
        if absolute:
            center, se, testable = rate_difference(cb, ca, nb, na, vb, va)
        else:
            center, se, testable = proportion_difference(cb, ca, nb, na, vb, va)
        raw.append((wb, wa, pct_b, pct_a, center, se, testable))
    m = max(1, sum(int(t.sum()) for *_, t in raw))
    zcrit = NormalDist().inv_cdf(1 - alpha / (2 * m))
    out = []
    for wb, wa, pct_b, pct_a, center, se, testable in raw:
        p = np.ones(len(center))
        ok = testable & (se > 0)
        p[ok] = np.minimum(1.0, m * erfc_p(center[ok] / se[ok]))
        delta = pct_a - pct_b
        half = zcrit * se
        sig = ok & (np.abs(center) > half)
        out.append(
            Changes(
                np.asarray(wb),
                np.asarray(wa),
                pct_b,
                pct_a,
                delta,
                center - half,
                center + half,
                p,
                sig,
            )
        )
    return out
