"""Output formats for ``convert --to``: name, file extensions and a render function."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..core.model import Profile
from ..errors import InputError, UsageError


@dataclass(frozen=True)
class Output:
    name: str
    extensions: tuple[str, ...]
    target: str  # "module:function" rendering (profile, options) -> bytes or bytes chunks
    description: str

    def render(self, profile: Profile, **options) -> bytes | Iterable[bytes]:
        """The output, whole or as chunks made while they are written."""
        module, func = self.target.split(":")
        fn: Callable[..., bytes] = getattr(importlib.import_module(module, __package__), func)
        return fn(profile, **options)


OUTPUTS: dict[str, Output] = {
    o.name: o
    for o in (
        Output(
            "folded", (".folded", ".collapsed", ".txt"), ".folded:render_folded", "folded stacks"
        ),
        Output(
            "speedscope",
            (".speedscope.json",),
            ".speedscope:speedscope_chunks",
            "speedscope JSON (opens in the speedscope app)",
        ),
        Output("svg", (".svg",), ".flame:render_svg_bytes", "interactive flame graph (SVG)"),
        Output(
            "html", (".html", ".htm"), ".flame:render_html_bytes", "flame graph in an HTML page"
        ),
    )
}


def output_for(path: str, to: str | None) -> Output:
    """The output format named by ``--to``, else the one the file name's extension implies.

    Standard output ('-') defaults to folded stacks.
    """
    if to:
        out = OUTPUTS.get(to)
        if out is None:
            raise UsageError(
                f"--to {to}: not an output format", hint=f"choose one of: {', '.join(OUTPUTS)}"
            )
        return out
    if path == "-":
        return OUTPUTS["folded"]
    lower = path.lower()
    best = None
    for out in OUTPUTS.values():
        for ext in out.extensions:
            if lower.endswith(ext) and (best is None or len(ext) > best[1]):
                best = (out, len(ext))
    if best is None:
        raise UsageError(
            f"cannot tell the output format of {path!r}",
            hint=f"use --to with one of: {', '.join(OUTPUTS)}",
        )
    return best[0]


WEIGHTLESS_HINT = "check the input's counts, hit counts or time deltas"


def weightless(profile: Profile) -> str | None:
    """Why a profile with samples shows nothing (no sample carries weight), else None."""
    n = len(profile.samples)
    if not n or profile.total_weight():
        return None
    return f"no sample has any weight ({n:,} sample{'s' if n != 1 else ''}, all weighing 0)"


def require_weight(profile: Profile, source: str) -> None:
    """Refuse to write an output that would be empty because no sample carries weight."""
    if profile.total_weight():
        return
    n = len(profile.samples)
    raise InputError(
        source,
        f"no sample has any weight ({n:,} sample{'s' if n != 1 else ''}, all weighing 0), "
        "so the output would be empty",
        hint=WEIGHTLESS_HINT,
    )
