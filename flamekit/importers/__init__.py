"""The importer registry: format names, extensions, content sniffing and loading.

Each importer module defines ``sniff(head: bytes) -> bool`` and
``load(source: Source, options: Mapping[str, Any]) -> Profile``.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.model import Profile
from ..errors import InvalidProfile, UnknownFormat
from ..sources import Source, open_source


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    extensions: tuple[str, ...] = ()
    module: str | None = None  # importer module in this package; None: output only
    readable: bool = True  # False: the name is reserved, the importer is not written yet

    def importer(self):
        return importlib.import_module(f"{__name__}.{self.module}")


# Content sniffing tries readable formats in this order: most specific first.
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("speedscope", "speedscope JSON", (".speedscope.json",), "speedscope"),
        Format(
            "cpuprofile",
            "V8 .cpuprofile (Node, Chrome DevTools)",
            (".cpuprofile",),
            "cpuprofile",
        ),
        # before chrome-trace: py-spy's traces are a narrower kind of trace-event JSON
        Format("pyspy-chrometrace", "py-spy --format chrometrace", (), "pyspy_chrometrace"),
        Format(
            "chrome-trace",
            "Chrome performance trace (Profile/ProfileChunk events)",
            (),
            "chrome_trace",
        ),
        Format("perf", "Linux perf script text", (".perf", ".perf-script"), "perf"),
        Format("pyspy", "py-spy --format raw (folded with file:line)", (), "pyspy"),
        Format(
            "folded", "folded stacks (FlameGraph collapsed)", (".folded", ".collapsed"), "folded"
        ),
        Format("svg", "flamegraph SVG (output only)", (".svg",), None, False),
        Format("html", "flamegraph HTML page (output only)", (".html", ".htm"), None, False),
        Format("json", "flamekit JSON summary (output only)", (), None, False),
    )
}

INPUT_FORMATS = [name for name, f in FORMATS.items() if f.module]


def readable_formats() -> list[str]:
    return [name for name, f in FORMATS.items() if f.module and f.readable]


def _by_extension(name: str) -> Format | None:
    lower = name.lower().removesuffix(".gz")
    best = None
    for fmt in FORMATS.values():
        for ext in fmt.extensions:
            if lower.endswith(ext) and (best is None or len(ext) > best[1]):
                best = (fmt, len(ext))
    return best[0] if best else None


def detect(source: Source) -> Format:
    """The format of ``source``: by its extension, else by its content."""
    fmt = _by_extension(source.name)
    if fmt is not None and fmt.module:
        return fmt
    head = source.head
    if not head.strip():
        raise UnknownFormat(source.name, "the file is empty")
    if b"\x00" in head[:4096]:
        raise UnknownFormat(
            source.name,
            "binary data, not a profile",
            hint=f"flamekit reads: {', '.join(readable_formats())}; "
            "for perf.data run 'perf script' first",
        )
    for fmt in FORMATS.values():
        if fmt.module and fmt.readable and fmt.importer().sniff(head):
            return fmt
    raise UnknownFormat(
        source.name,
        "cannot tell the format of this file",
        hint=f"flamekit reads: {', '.join(readable_formats())}; name one with --from",
    )


def get_format(name: str) -> Format:
    fmt = FORMATS.get(name)
    if fmt is None or not fmt.module:
        raise UnknownFormat(
            name,
            "is not a format flamekit reads",
            hint=f"choose one of: {', '.join(readable_formats())}",
        )
    if not fmt.readable:
        raise UnknownFormat(
            name,
            "reading this format is not supported yet",
            hint=f"flamekit reads: {', '.join(readable_formats())}",
        )
    return fmt


def load_source(
    source: Source, from_format: str | None = None, options: Mapping[str, Any] | None = None
) -> Profile:
    """Import one opened source."""
    fmt = get_format(from_format) if from_format else detect(source)
    if not fmt.readable:
        raise UnknownFormat(
            source.name,
            f"reading {fmt.name} files is not supported yet",
            hint=f"flamekit reads: {', '.join(readable_formats())}",
        )
    from ..progress import import_progress

    try:
        with import_progress(source):
            profile = fmt.importer().load(source, dict(options or {}))
    except InvalidProfile as exc:  # numbers the importer let through that the model refuses
        raise source.error(exc.message, hint=exc.hint or "check the numbers in the file") from None
    if source.warnings:
        warnings = tuple(dict.fromkeys((*profile.meta.warnings, *source.warnings)))
        profile = profile.replace(meta=dataclasses.replace(profile.meta, warnings=warnings))
    return profile


def load_path(
    path: str, from_format: str | None = None, options: Mapping[str, Any] | None = None
) -> Profile:
    """Open and import ``path`` ('-' for stdin)."""
    source = open_source(path)
    try:
        return load_source(source, from_format, options)
    finally:
        source.close()
