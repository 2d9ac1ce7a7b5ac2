"""The one row shape every side-by-side benchmark reports for run_all.py.

A row: benchmark, case, reference tool, flamekit's and the reference's time (seconds) and peak
memory (MB, None when not measured), and the target the ratio is held to.
"""

from __future__ import annotations

import json
from pathlib import Path


def row(
    benchmark: str,
    case: str,
    reference: str,
    flamekit_s: float,
    reference_s: float,
    flamekit_mb: float | None = None,
    reference_mb: float | None = None,
    target: str = "",
) -> dict:
    return {
        "benchmark": benchmark,
        "case": case,
        "reference": reference,
        "flamekit_s": flamekit_s,
        "reference_s": reference_s,
        "flamekit_mb": flamekit_mb,
        "reference_mb": reference_mb,
        "target": target,
    }


def save(path: str | None, rows: list[dict]) -> None:
    """Write ``rows`` as JSON to ``path`` (nothing when no path was asked for)."""
    if path:
        Path(path).write_text(json.dumps(rows, indent=1))
