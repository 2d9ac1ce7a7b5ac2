"""Defaults shared by the command line and the option objects, so that each is written once.

The flame graph's are flamegraph.pl's. This module imports nothing of flamekit, so the command
line can offer them without loading the renderers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """One option: its flag, the option object's field, default, help and least value."""

    flag: str
    key: str
    default: int | float | str
    help: str
    low: float | None = None


#: what a flame graph looks like (FlameOptions fields), as the flame command offers them
FLAME: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("--width", "width", 1200, "Image width in pixels.", low=40),
        Setting("--height", "frame_height", 16, "Height of one frame in pixels.", low=2),
        Setting("--fontsize", "fontsize", 12.0, "Font size in pixels.", low=1),
        Setting(
            "--fontwidth",
            "font_width",
            0.59,
            "Average character width relative to the font size.",
            low=0.1,
        ),
        Setting(
            "--minwidth",
            "minwidth",
            "0.1",
            "Leave out frames narrower than this: pixels, or a percentage like 0.5%.",
        ),
        Setting(
            "--nametype", "nametype", "Function:", "Label before a frame's name in the details bar."
        ),
    )
}


def flame(key: str):
    """The default of one FlameOptions field."""
    return FLAME[key].default


# blocks (find_blocks)
BLOCKS_THRESHOLD_NS = 10_000_000

# diff (DiffOptions)
DIFF_ALPHA = 0.01  # family-wise significance level of the report
DIFF_TOP = 10  # rows per table of the summary
