"""flamekit: import, analyze and render CPU profiles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

__version__ = "0.1.0"

from .core.extensions import on_profile_class
from .errors import FlamekitError, InputError

if TYPE_CHECKING:
    from .core.model import Profile


def _add_analyses(profile_class: type) -> None:
    from . import api

    api.install()


on_profile_class(_add_analyses)


def load(
    path_or_paths: str | Sequence[str], *, from_format: str | None = None, **import_options
) -> Profile:
    """Import one profile, or several merged into one (one thread per input thread)."""
    from .importers import load_path
    from .merge import merge_profiles

    paths = [path_or_paths] if isinstance(path_or_paths, str) else list(path_or_paths)
    profiles = [load_path(p, from_format, import_options) for p in paths]
    return merge_profiles(profiles, name=_names(profiles))


def _names(profiles: Sequence[Profile]) -> str:
    """The name of the merged profile: its inputs' names, the first two and a count beyond."""
    names = [p.meta.name for p in profiles if p.meta.name]
    if len(names) != len(profiles):
        return names[0] if len(profiles) == 1 and names else ""
    if len(names) <= 3:
        return ", ".join(names)
    return f"{names[0]}, {names[1]} and {len(names) - 2} more"


def diff(before: Profile, after: Profile, **options):
    """Compare two profiles; ``options`` are those of :class:`flamekit.analyze.diff.DiffOptions`."""
    from .analyze.diff import DiffOptions, diff_profiles

    return diff_profiles(before, after, DiffOptions(**options))


def merge_inputs(
    inputs: str | Sequence[str],
    *,
    jobs: int = 1,
    dask: str | None = None,
    skip_bad: bool = False,
    **read_options,
) -> Profile:
    """Many inputs (paths, globs, folders, @lists) merged as call trees, as ``flamekit merge``
    does, on ``jobs`` processes or the Dask cluster at ``dask``; ``read_options`` are those of
    :class:`flamekit.aggregate.ReadOptions` (keep_threads, as_samples, label_from, ...)."""
    from .aggregate import ReadOptions
    from .inputs import expand_inputs
    from .merge import merge_inputs as merge_paths

    paths = expand_inputs([inputs] if isinstance(inputs, str) else inputs)
    options = ReadOptions(**read_options)
    return merge_paths(paths, options, jobs=jobs, dask=dask, skip_bad=skip_bad)


def top(profile: Profile, n: int | None = None, by: str = "function"):
    """Functions (or files, modules, packages) by self weight: a list of FunctionStat."""
    return profile.top(n, by)


def hot_paths(profile: Profile, n: int = 5, threshold: float = 0.0):
    """The ``n`` heaviest paths from a root (a HotPaths result)."""
    return profile.hot_paths(n, threshold)


def critical_path(profile: Profile, threshold: float = 0.5):
    """Heaviest child from the heaviest root while it holds >= ``threshold`` of its parent."""
    return profile.critical_path(threshold)


def calls(profile: Profile, pattern: str):
    """Callers and callees of the functions whose name matches ``pattern`` (a Calls result)."""
    return profile.calls(pattern)


# option classes, imported when first used (the renderers are not needed to load a profile)
_OPTION_CLASSES = {
    "FlameOptions": "flamekit.render.flame",
    "DiffOptions": "flamekit.analyze.diff",
    "TransformOptions": "flamekit.transforms",
    "PerfOptions": "flamekit.importers.perf_parse",
}


# the core's modules under their public names (flamekit.model is flamekit.core.model), and
# flamekit.transforms.focus(...), apply(...), ...: imported when first used
_CORE_MODULES = ("builder", "model", "retree", "tree", "transforms", "api")


def __getattr__(name: str):
    import importlib

    if name in _OPTION_CLASSES:
        return getattr(importlib.import_module(_OPTION_CLASSES[name]), name)
    if name == "Profile":
        return importlib.import_module(f"{__name__}.core.model").Profile
    if name in _CORE_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'flamekit' has no attribute {name!r}")


__all__ = [
    "DiffOptions",
    "FlameOptions",
    "FlamekitError",
    "InputError",
    "PerfOptions",
    "Profile",
    "TransformOptions",
    "__version__",
    "calls",
    "critical_path",
    "diff",
    "hot_paths",
    "load",
    "merge_inputs",
    "top",
    "transforms",
]
