"""Analyses and transforms as methods of Profile, for chaining in scripts and notebooks.

Each method calls the function of the same name in :mod:`flamekit.transforms` or
:mod:`flamekit.analyze`; transforms return new profiles, analyses return result objects with
``to_dict()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .analyze.blocks import BlockReport
    from .analyze.calls import Calls
    from .analyze.hotpaths import CriticalPath, HotPaths
    from .analyze.weights import FunctionStat
    from .model import Profile
    from .render.flame import FlameOptions, FlameSVG


class ProfileMethods:
    """Mixed into :class:`flamekit.model.Profile`."""

    # -- transforms ------------------------------------------------------------------------
    def focus(self, pattern: str) -> Profile:
        """Samples whose stack has a frame matching ``pattern``, stacks whole."""
        from .transforms import focus

        return focus(self, pattern)

    def focus_root(self, pattern: str) -> Profile:
        """Samples whose stack has a match, re-rooted at the outermost matching frame."""
        from .transforms import focus_root

        return focus_root(self, pattern)

    def exclude(self, pattern: str | Sequence[str]) -> Profile:
        """Without the samples whose stack has a matching frame."""
        from .transforms import exclude

        return exclude(self, pattern)

    def hide(self, pattern: str | Sequence[str]) -> Profile:
        """Matching frames removed from the stacks, their time given to the caller."""
        from .transforms import hide

        return hide(self, pattern)

    def collapse_recursion(self, *, direct_only: bool = False) -> Profile:
        """Recursive calls merged into the outer call."""
        from .transforms import collapse_recursion

        return collapse_recursion(self, direct_only=direct_only)

    def select_threads(self, *selectors: str | int) -> Profile:
        """Only the threads with these names (globs) or tids."""
        from .transforms import select_threads

        return select_threads(self, selectors)

    def merge_threads(self) -> Profile:
        """All samples in one thread."""
        from .transforms import merge_threads

        return merge_threads(self)

    def time_slice(self, start_ns: int | None = None, end_ns: int | None = None) -> Profile:
        """The samples taken in ``[start_ns, end_ns)``."""
        from .transforms import time_slice

        return time_slice(self, start_ns, end_ns)

    def no_idle(self) -> Profile:
        """Without idle samples."""
        from .transforms import no_idle

        return no_idle(self)

    def group_by(self, by: str) -> Profile:
        """Frames replaced by their function, file, module or package."""
        from .transforms import group_by

        return group_by(self, by)  # type: ignore[arg-type]

    def invert(self) -> Profile:
        """Stacks leaf first."""
        from .transforms import invert

        return invert(self)

    def transform(self, **options) -> Profile:
        """Several transforms at once, in the CLI order (:func:`flamekit.transforms.apply`)."""
        from .transforms import apply

        return apply(self, **options)

    # -- analyses --------------------------------------------------------------------------
    def top(self, n: int | None = None, by: str = "function") -> list[FunctionStat]:
        """Functions (or files, modules, packages) by self weight, heaviest first."""
        from .analyze.weights import top_functions
        from .notebook import TopFunctions

        profile = self if by == "function" else self.group_by(by)
        return TopFunctions(top_functions(profile, n), profile.unit, profile.total_weight(), by)

    def hot_paths(self, n: int = 5, threshold: float = 0.0) -> HotPaths:
        """The ``n`` heaviest root-to-end paths (see :mod:`flamekit.analyze.hotpaths`)."""
        from .analyze.hotpaths import hot_paths

        return hot_paths(self, n, threshold)

    def critical_path(self, threshold: float = 0.5) -> CriticalPath:
        """The heaviest child, from the heaviest root, while it holds >= ``threshold``."""
        from .analyze.hotpaths import critical_path

        return critical_path(self, threshold)

    def calls(self, pattern: str) -> Calls:
        """Callers and callees of the functions matching ``pattern``."""
        from .analyze.calls import calls

        return calls(self, pattern)

    def blocks(self, **options) -> BlockReport:
        """The synchronous blocks (options of :func:`flamekit.analyze.blocks.find_blocks`);
        shown as a table in a notebook."""
        from .analyze.blocks import find_blocks

        return find_blocks(self, **options)

    # -- notebooks -------------------------------------------------------------------------
    def flame(self, options: FlameOptions | None = None, **changes) -> FlameSVG:
        """A flame graph that shows itself in a notebook (``FlameOptions`` fields as keywords)."""
        from .render.flame import FlameOptions, FlameSVG

        return FlameSVG(self, (options or FlameOptions()).with_(**changes))

    def _repr_html_(self) -> str:
        """An inline flame graph when the SVG renderer is installed, else a summary table."""
        if len(self.samples):
            try:
                from .render.flame import FlameSVG
            except ImportError:
                pass
            else:
                return FlameSVG(self)._repr_html_()
        from .render.summary_html import render_summary_html

        return render_summary_html(self)
