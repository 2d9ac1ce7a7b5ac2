"""The functions of a profile ranked by self weight: ``top``."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.model import Profile
from ..core.weights import function_table, function_weights
from .naming import function_labels


@dataclass(frozen=True)
class FunctionStat:
    """Self and total weight of one function, in the profile's unit."""

    name: str
    file: str | None
    line: int | None  # the function's own line (None when the format does not record it)
    self: int | float
    total: int | float
    column: int | None = None
    label: str = ""  # the display name, unique in the profile (see analyze.naming)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "label": self.label or self.name,
            "self": self.self,
            "total": self.total,
        }


def top_functions(profile: Profile, n: int | None = None) -> list[FunctionStat]:
    """Functions sorted by self weight (then total, then name), the first ``n`` of them."""
    table = function_table(profile)
    fself, ftotal = function_weights(profile)
    labels = function_labels(profile)
    order = sorted(range(len(fself)), key=lambda i: (-fself[i], -ftotal[i], labels[i], i))
    order = [i for i in order if ftotal[i] > 0]
    if n is not None:
        order = order[:n]
    out = []
    for i in order:
        out.append(
            FunctionStat(
                profile.strings[table.name[i]],
                profile.strings[table.file[i]] or None,
                int(table.line[i]) or None,
                fself[i].item(),
                ftotal[i].item(),
                column=int(table.column[i]) or None,
                label=labels[i],
            )
        )
    return out
