"""How a result shows itself in a notebook, without the analyses importing who draws it.

A result class inherits :class:`ShowsAsHTML`; :func:`flamekit.notebook.install` (run when the
``flamekit`` package is imported) registers, by class name, the function that draws it.
"""

from __future__ import annotations

from collections.abc import Callable

#: the HTML view of each result class, by class name
HTML_VIEWS: dict[str, Callable[[object], str]] = {}


class ShowsAsHTML:
    """A result that a notebook shows as an HTML table."""

    def _repr_html_(self) -> str:
        view = HTML_VIEWS.get(type(self).__name__)
        return view(self) if view else f"<pre>{type(self).__name__}</pre>"
