"""Hooks by which the layers above the core extend :class:`~flamekit.core.model.Profile` when
the class is made (the analyses as methods, see :mod:`flamekit.api`), so that the core imports
none of them and importing the ``flamekit`` package does not import numpy."""

from __future__ import annotations

from collections.abc import Callable

_hooks: list[Callable[[type], None]] = []
_profile: type | None = None


def on_profile_class(hook: Callable[[type], None]) -> None:
    """Run ``hook(Profile)`` once the class exists: now, or when the model is imported."""
    if _profile is not None:
        hook(_profile)
    else:
        _hooks.append(hook)


def profile_class_made(cls: type) -> None:
    """Called by the model, once, right after it defines ``Profile``."""
    global _profile
    _profile = cls
    for hook in _hooks:
        hook(cls)
