"""Analyses as methods of :class:`~flamekit.core.model.Profile`, for chaining in scripts and
notebooks.

The core knows no analysis: each method here calls the free function of the same name in
:mod:`flamekit.analyze` or :mod:`flamekit.render`, and :func:`install` (run when the
``flamekit`` package is imported) adds them to ``Profile``, as pandas adds accessors. Analyses
return result objects with ``to_dict()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .core.model import Profile

if TYPE_CHECKING:
    from .analyze.blocks import BlockReport
    from .analyze.calls import Calls
    from .analyze.hotpaths import CriticalPath, HotPaths
    from .analyze.weights import FunctionStat
    from .render.flame import FlameOptions, FlameSVG


class ProfileAnalyses:
    """The methods :func:`install` adds to :class:`Profile`."""

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


def install() -> None:
    """Add the analyses of :class:`ProfileAnalyses` to :class:`Profile` as methods."""
    from . import notebook

    notebook.install()
    for name, method in vars(ProfileAnalyses).items():
        if callable(method) and (not name.startswith("_") or name == "_repr_html_"):
            setattr(Profile, name, method)
