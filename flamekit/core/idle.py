"""The one rule for idle time, used by every command.

A frame is idle when the importer gave it kind :attr:`~flamekit.core.model.FrameKind.IDLE`
(V8's ``(idle)``) or when it is named ``(idle)`` (folded stacks written by other tools). A
sample is idle when its leaf frame is idle: a thread running code called from an idle frame is
not idle.
"""

from __future__ import annotations

import numpy as np

from .model import FrameKind, Profile

IDLE_NAME = "(idle)"


def idle_frames(profile: Profile) -> np.ndarray:
    """Boolean per frame: the frame is idle."""
    idle = profile.frames.kind == FrameKind.IDLE
    try:
        sid = profile.strings.index(IDLE_NAME)
    except ValueError:
        return idle
    return idle | (profile.frames.name == sid)


def idle_nodes(profile: Profile) -> np.ndarray:
    """Boolean per call-tree node: the node's frame is idle (so are the samples ending there)."""
    return profile.cached("idle_nodes", lambda: idle_frames(profile)[profile.stacks.frame])


def idle_samples(profile: Profile) -> np.ndarray:
    """Boolean per sample row: the sample is idle."""
    return idle_nodes(profile)[profile.samples.stack]


def idle_weight(profile: Profile) -> int | float:
    """Weight of the idle samples."""

    def compute():
        return profile.samples.weight[idle_samples(profile)].sum().item()

    return profile.cached("idle_weight", compute)
