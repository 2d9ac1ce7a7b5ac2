"""How a result shows itself, as JSON and in a notebook, without the analyses importing who
draws it.

A result class inherits :class:`ShowsAsHTML`; :func:`flamekit.notebook.install` (run when the
``flamekit`` package is imported) registers, by class name, the function that draws it.
:class:`JSONFields` gives a result the ``to_dict`` of the attributes it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import ClassVar

#: the HTML view of each result class, by class name
HTML_VIEWS: dict[str, Callable[[object], str]] = {}


class ShowsAsHTML:
    """A result that a notebook shows as an HTML table."""

    def _repr_html_(self) -> str:
        view = HTML_VIEWS.get(type(self).__name__)
        return view(self) if view else f"<pre>{type(self).__name__}</pre>"


class JSONFields:
    """A dataclass result whose ``to_dict`` holds the attributes named in ``json_fields`` (names
    apart by spaces), in that order, by default its fields; a list of results becomes the list
    of their ``to_dict``."""

    json_fields: ClassVar[str] = ""

    def to_dict(self) -> dict:
        names = self.json_fields.split() or [f.name for f in fields(self)]  # type: ignore[arg-type]
        return {name: _plain(getattr(self, name)) for name in names}


def _plain(value: object) -> object:
    if isinstance(value, list):
        return [v.to_dict() if hasattr(v, "to_dict") else v for v in value]
    return value
