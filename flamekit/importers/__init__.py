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
from ..sources import BINARY_DETECTORS, Source, open_source


@dataclass(frozen=True)
class ImportOption:
    """An option of one format's importer, offered by every command that reads profiles.

    ``is_flag`` options are on/off; the others take a value (``multiple``: repeatable). The
    importer receives it under ``key`` only when it was given.
    """

    flag: str  # the command-line spelling, "--pid"
    help: str
    is_flag: bool = True
    multiple: bool = False
    metavar: str | None = None

    @property
    def key(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")


@dataclass(frozen=True)
class Format:
    """One format: its names and extensions, its importer module, how to recognise its
    content, the options its importer takes and how to record it with timestamps."""

    name: str
    description: str
    extensions: tuple[str, ...] = ()
    module: str | None = None  # importer module in this package; None: output only
    readable: bool = True  # False: the name is reserved, the importer is not written yet
    binary: bool = False  # content is binary: its detector runs before text is required
    options: tuple[ImportOption, ...] = ()
    times_hint: str = ""  # how to record this format with timestamps, where it can have them
    # Detection cost: a head whose first non-blank byte is not one of ``opens_with`` (when
    # given) is not this format; ``sniffer`` names a module lighter than the importer that
    # holds its sniff(). Either way detecting another format imports nothing of this one.
    opens_with: bytes = b""
    sniffer: str | None = None

    def importer(self):
        return importlib.import_module(f"{__name__}.{self.module}")

    def sniff(self, head: bytes) -> bool:
        """Whether ``head`` (the first bytes, decompressed) looks like this format."""
        if not (self.module and self.readable):
            return False
        if self.opens_with:
            first = head.lstrip()[:1]
            if not first or first not in self.opens_with:
                return False
        sniffer = importlib.import_module(f"{__name__}.{self.sniffer or self.module}")
        return bool(sniffer.sniff(head))


def _perf_flag(name: str, help: str) -> ImportOption:
    return ImportOption(f"--{name}", f"perf: {help}")


# V8 profiles of compiled or bundled JavaScript (flamekit.sourcemaps); both V8 formats take them
_SOURCE_MAPS = (
    ImportOption("--source-maps", "V8: map frames to the original code through source maps."),
    ImportOption(
        "--source-map-dir",
        "V8: find source maps here by script file name (repeatable; implies --source-maps).",
        is_flag=False,
        multiple=True,
        metavar="DIR",
    ),
)

_RECORD = (
    "record a timestamped profile: node --cpu-prof, a Chrome performance trace, "
    "py-spy record --format chrometrace, or perf record followed by perf script"
)

# Content sniffing tries readable formats in this order: binary ones, then the most specific.
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "pprof",
            "pprof protobuf (Go runtime/pprof, Node pprof packages, cloud profilers)",
            (".pb", ".pprof"),
            "pprof",
            binary=True,
            sniffer="pprof_sniff",
            options=(
                ImportOption(
                    "--sample-type",
                    "pprof: the sample type to weigh by (cpu, samples, inuse_space, "
                    "alloc_space, ..., or its index; default: the profile's default, else its "
                    "last).",
                    is_flag=False,
                    metavar="NAME",
                ),
                ImportOption(
                    "--tag",
                    "pprof: keep samples with a label KEY matching REGEX (comma: any of several), "
                    "as pprof -tagfocus; repeatable, all must match.",
                    is_flag=False,
                    multiple=True,
                    metavar="KEY=REGEX",
                ),
            ),
            times_hint="pprof sums samples by stack, without their times; " + _RECORD,
        ),
        Format(
            "speedscope",
            "speedscope JSON",
            (".speedscope.json",),
            "speedscope",
            opens_with=b"{",
            times_hint="sampled speedscope profiles (such as py-spy --format speedscope) carry "
            "no times; " + _RECORD,
        ),
        Format(
            "cpuprofile",
            "V8 .cpuprofile (Node, Chrome DevTools)",
            (".cpuprofile",),
            "cpuprofile",
            options=_SOURCE_MAPS,
            opens_with=b"{",
        ),
        # before chrome-trace: py-spy's traces are a narrower kind of trace-event JSON
        Format(
            "pyspy-chrometrace",
            "py-spy --format chrometrace",
            (),
            "pyspy_chrometrace",
            opens_with=b"[",
        ),
        Format(
            "chrome-trace",
            "Chrome performance trace (Profile/ProfileChunk events)",
            (),
            "chrome_trace",
            options=_SOURCE_MAPS,
            opens_with=b"{[",
        ),
        Format(
            "perf",
            "Linux perf script text",
            (".perf", ".perf-script"),
            "perf",
            # named as in FlameGraph's stackcollapse-perf.pl
            options=(
                _perf_flag("pid", "root frame is comm-PID."),
                _perf_flag("tid", "root frame is comm-PID/TID."),
                _perf_flag("kernel", "mark kernel frames with _[k]."),
                _perf_flag("jit", "mark frames from /tmp/perf-PID.map with _[j]."),
                _perf_flag("all", "both --kernel and --jit."),
                _perf_flag("addrs", "show unknown frames as [module <address>]."),
                ImportOption(
                    "--event-filter",
                    "perf: keep only samples of EVENT (default: the first event type seen).",
                    is_flag=False,
                    metavar="EVENT",
                ),
            ),
            times_hint="this perf script output has no time field; run perf script without "
            "-F, or with -F including time",
        ),
        Format(
            "pyspy",
            "py-spy --format raw (folded with file:line)",
            (),
            "pyspy",
            times_hint="py-spy's raw format carries no times; record with py-spy record "
            "--format chrometrace",
        ),
        Format(
            "folded",
            "folded stacks (FlameGraph collapsed)",
            (".folded", ".collapsed"),
            "folded",
            times_hint="folded stacks carry no times; " + _RECORD,
        ),
        Format("svg", "flamegraph SVG (output only)", (".svg",), None, False),
        Format("html", "flamegraph HTML page (output only)", (".html", ".htm"), None, False),
        Format("json", "flamekit JSON summary (output only)", (), None, False),
    )
}


def import_options() -> list[ImportOption]:
    """Every readable format's importer options, in table order (an option that several
    formats take, once)."""
    once: dict[str, ImportOption] = {}
    for f in FORMATS.values():
        if f.module and f.readable:
            for o in f.options:
                once.setdefault(o.key, o)
    return list(once.values())


# a pipe of binary data is read on only where one of these takes its head (sources._spool)
BINARY_DETECTORS.extend(f.sniff for f in FORMATS.values() if f.binary)
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
    for fmt in FORMATS.values():
        if fmt.binary and fmt.sniff(head):
            return fmt
    if b"\x00" in head[:4096]:
        raise UnknownFormat(
            source.name,
            "binary data, not a profile",
            hint=f"flamekit reads: {', '.join(readable_formats())}; "
            "for perf.data run 'perf script' first",
        )
    for fmt in FORMATS.values():
        if not fmt.binary and fmt.sniff(head):
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
            profile = fmt.importer().load(source, _options_of(fmt, options))
    except InvalidProfile as exc:  # numbers the importer let through that the model refuses
        raise source.error(exc.message, hint=exc.hint or "check the numbers in the file") from None
    if fmt.times_hint and not profile.meta.times_hint:
        profile = profile.replace(meta=dataclasses.replace(profile.meta, times_hint=fmt.times_hint))
    if source.warnings:
        warnings = tuple(dict.fromkeys((*profile.meta.warnings, *source.warnings)))
        profile = profile.replace(meta=dataclasses.replace(profile.meta, warnings=warnings))
    return profile


def _options_of(fmt: Format, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The options given, less those that belong to other formats' importers."""
    others = {o.key for o in import_options()} - {o.key for o in fmt.options}
    return {k: v for k, v in (options or {}).items() if k not in others}


def load_path(
    path: str, from_format: str | None = None, options: Mapping[str, Any] | None = None
) -> Profile:
    """Open and import ``path`` ('-' for stdin)."""
    source = open_source(path)
    try:
        return load_source(source, from_format, options)
    finally:
        source.close()
