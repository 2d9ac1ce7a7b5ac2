"""Formatting weights for people: times as ms/s, counts as samples."""

from __future__ import annotations


def format_duration_ns(ns: float) -> str:
    """A compact human time: 850 ns, 12.3 µs, 45.6 ms, 7.89 s."""
    ns = float(ns)
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.1f} ms"
    return f"{ns / 1e9:.2f} s"


def ms_of(ns: float) -> float:
    """Nanoseconds as milliseconds rounded to the microsecond: the JSON reports' time unit."""
    return round(ns / 1e6, 3)


def format_bytes(value: float) -> str:
    """A compact size in binary units: 512 B, 12.3 KiB, 45.6 MiB, 7.89 GiB."""
    value = float(value)
    if abs(value) < 1024:
        return f"{value:.0f} B"
    for suffix in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if abs(value) < 1024 or suffix == "TiB":
            return f"{value:.1f} {suffix}" if abs(value) < 100 else f"{value:.0f} {suffix}"
    raise AssertionError("unreachable")


def format_weight(value: float, unit: str) -> str:
    """A weight in its unit: a time for nanoseconds, a size for bytes, a count for samples
    (compact when huge)."""
    if unit == "nanoseconds":
        return format_duration_ns(value)
    if unit == "bytes":
        return format_bytes(value)
    value = float(value)
    if abs(value) >= 1e7:
        for scale, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M")):
            if abs(value) >= scale:
                return f"{value / scale:.1f}{suffix}"
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def format_percent(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:5.1f}%" if whole else "  0.0%"


def middle_truncate(text: str, width: int) -> str:
    """Shorten ``text`` to ``width`` characters by replacing its middle with '…'."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    left = (width - 1) // 2
    right = width - 1 - left
    return text[:left] + "…" + (text[-right:] if right else "")


_DURATION_UNITS = {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9}


def parse_duration_ns(text: str, default_unit: str = "ms") -> int:
    """Nanoseconds in a duration such as ``300ms``, ``0.5s``, ``250us`` or ``40`` (default ms)."""
    import re

    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ns|us|µs|ms|s|m)?\s*", text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 50ms, 0.3s, 800us)")
    value = float(match.group(1)) * _DURATION_UNITS[match.group(2) or default_unit]
    return round(value)
