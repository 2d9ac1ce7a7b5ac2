"""Time along a profile, shared by the blocks report and flame charts: whether a profile has
times, how often it was sampled, and the ticks of a time ruler."""

from __future__ import annotations

import numpy as np

from ..core.model import Profile
from ..errors import InputError, UsageError

#: the interval assumed when a profile says nothing of its sampling rate (V8's default)
FALLBACK_INTERVAL_NS = 1_000_000

#: what to record instead when a profile's format names nothing better (Meta.times_hint)
RECORD_HINT = (
    "record a timestamped profile: node --cpu-prof, a Chrome performance trace, "
    "py-spy record --format chrometrace, or perf record followed by perf script"
)


def require_times(profile: Profile, needs: str, path: str | None = None) -> None:
    """Refuse an untimed profile in one line: what ``needs`` times, and how to record them.
    With ``path`` the error names the input (an input error), else the option (a usage error)."""
    if profile.has_times:
        return
    message = f"{needs} and this {profile.meta.source_format} profile has none"
    hint = profile.meta.times_hint or RECORD_HINT
    if path is None:
        raise UsageError(message, hint=hint)
    raise InputError(path, message, hint=hint)


def median_interval(profile: Profile) -> int:
    """The median time between consecutive samples of a thread (ns), or the nominal period;
    0 when neither is known. Profiles whose rows are stack-change intervals have no sampling
    interval in them: their nominal period, or 0."""
    time = profile.samples.time
    if time is None or len(time) < 2 or profile.meta.rows_are_intervals:
        return int(profile.meta.period_ns)
    thread = profile.samples.thread
    order = np.lexsort((time, thread))
    t = time[order]
    th = thread[order]
    diff = np.diff(t)
    same = th[1:] == th[:-1]
    diffs = diff[same & (diff > 0)]
    if len(diffs) == 0:
        return int(profile.meta.period_ns)
    return int(np.median(diffs))


def thread_intervals(thread: np.ndarray, start: np.ndarray, period_ns: int) -> np.ndarray:
    """Per sample (sorted by thread and time), the median time between its thread's samples;
    the nominal period (or :data:`FALLBACK_INTERVAL_NS`) for a thread with a single sample."""
    n = len(thread)
    fallback = int(period_ns) if period_ns > 0 else FALLBACK_INTERVAL_NS
    out = np.full(n, fallback, dtype=np.int64)
    if n < 2:
        return out
    diff = np.diff(start)
    ok = (thread[1:] == thread[:-1]) & (diff > 0)
    th, d = thread[1:][ok], diff[ok]
    if not len(d):
        return out
    order = np.lexsort((d, th))
    th, d = th[order], d[order]
    heads = np.flatnonzero(np.r_[True, th[1:] != th[:-1]])
    counts = np.diff(np.r_[heads, len(th)])
    lo, hi = heads + (counts - 1) // 2, heads + counts // 2
    median = ((d[lo] + d[hi]) / 2).astype(np.int64)  # as numpy's median, truncated
    per_thread = np.full(int(thread.max()) + 1, fallback, dtype=np.int64)
    per_thread[th[heads]] = median
    return per_thread[thread]


#: the least room, in pixels, between two labelled ticks of a time ruler
TICK_SPACING_PX = 100
_TIME_UNITS = ((1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "\u00b5s"), (1, "ns"))


def time_ticks(start_ns: float, span_ns: float, plot_width: float) -> list[tuple[int, str]]:
    """Ticks of a time ruler over [start, start + span]: (time in ns, label) at a round step
    (1, 2 or 5 times a power of ten, at least 1 ns) leaving about ``TICK_SPACING_PX`` between
    labels. All labels use one unit, the largest not above the last tick, with the decimals
    the step needs (``7.5 ms``, ``54.8 s``). Whole-number arithmetic, so that
    web/flamegraph.js, which redraws the ruler on zoom, finds the same ticks and labels."""
    if span_ns <= 0 or plot_width <= 0:
        return []
    intervals = max(1, int(plot_width // TICK_SPACING_PX))
    raw = span_ns / intervals
    power = 1
    while power * 10 <= raw:
        power *= 10
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = -(-int(np.floor(start_ns)) // step)  # ceil(start / step) for whole ns
    last = int(np.floor((start_ns + span_ns) / step))
    top = max(abs(last) * step, step)
    scale, unit = next((s, u) for s, u in _TIME_UNITS if s <= top)
    zeros = len(str(step)) - len(str(step).rstrip("0"))
    decimals = max(0, len(str(scale)) - 1 - zeros)
    return [(k * step, f"{k * step / scale:.{decimals}f} {unit}") for k in range(first, last + 1)]
