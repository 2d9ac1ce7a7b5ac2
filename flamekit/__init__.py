"""flamekit: import, analyze and render CPU profiles."""

from __future__ import annotations

from collections.abc import Sequence

__version__ = "0.1.0"

from .errors import FlamekitError, InputError
from .model import Profile


def load(
    path_or_paths: str | Sequence[str], *, from_format: str | None = None, **import_options
) -> Profile:
    """Import one profile, or several merged into one (one thread per input thread)."""
    from .importers import load_path
    from .merge import merge_profiles

    paths = [path_or_paths] if isinstance(path_or_paths, str) else list(path_or_paths)
    profiles = [load_path(p, from_format, import_options) for p in paths]
    return merge_profiles(profiles, name=profiles[0].meta.name if len(paths) == 1 else "")


__all__ = ["FlamekitError", "InputError", "Profile", "__version__", "load"]
