"""The one registry of outputs (profiles, diffs, blocks reports) and the one resolver of
``-o``/``--format``/``--to`` to an output."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..core.model import Profile
from ..errors import InputError, UsageError


@dataclass(frozen=True)
class Output:
    """One output: what it renders (``subject``: a profile, a diff or a blocks report), the
    file extensions that choose it and the function that renders it.

    ``target`` names a function ``(subject, **options) -> bytes | str | Iterable[bytes]``;
    options are the output's own (flame graph options, a title, a width).
    """

    name: str
    extensions: tuple[str, ...]
    subject: str  # "profile", "diff" or "blocks"
    target: str  # "module:function", the module relative to this package
    description: str
    binary: bool = False  # bytes that are not text (compressed or encoded)
    flags: tuple[str, ...] = ()  # command-line options of this output alone (convert --places)

    def render(self, subject, **options) -> bytes | Iterable[bytes]:
        """The output, whole or as chunks made while they are written."""
        module, func = self.target.split(":")
        fn: Callable[..., bytes | str] = getattr(importlib.import_module(module, __package__), func)
        out = fn(subject, **options)
        return out.encode("utf-8") if isinstance(out, str) else out


_OUTPUT_LIST = (
    Output(
        "folded",
        (".folded", ".collapsed", ".txt"),
        "profile",
        ".folded:render_folded",
        "folded stacks",
        flags=("places",),
    ),
    Output(
        "speedscope",
        (".speedscope.json",),
        "profile",
        ".speedscope:speedscope_chunks",
        "speedscope JSON (opens in the speedscope app)",
    ),
    Output(
        "pprof",
        (".pb.gz", ".pb", ".pprof"),
        "profile",
        ".pprof:render_pprof",
        "pprof protobuf, gzipped (go tool pprof, speedscope, Pyroscope, Parca)",
        binary=True,
    ),
    Output("svg", (".svg",), "profile", ".flame:render_svg_bytes", "interactive flame graph (SVG)"),
    Output(
        "html",
        (".html", ".htm"),
        "profile",
        ".flame:render_html_bytes",
        "flame graph in an HTML page",
    ),
    Output("svg", (".svg",), "diff", ".diff_flame:diff_svg", "differential flame graph"),
    Output("html", (".html", ".htm"), "diff", ".diff_flame:diff_html", "differential, page"),
    Output("markdown", (".md", ".markdown"), "diff", ".diff_report:render_markdown", "PR summary"),
    Output("json", (".json",), "diff", ".diff_report:render_json", "summary as JSON"),
    Output("text", (".txt",), "diff", ".diff_report:render_text", "summary as text"),
    Output("html", (".html", ".htm"), "blocks", ".blocks:html_output", "interactive report"),
    Output("svg", (".svg",), "blocks", ".blocks:svg_output", "static report (SVG)"),
    Output("json", (".json",), "blocks", ".blocks:json_output", "report as JSON"),
    Output("text", (".txt",), "blocks", ".blocks:text_output", "report as text"),
)

#: every output, by subject and then name
OUTPUTS_BY_SUBJECT: dict[str, dict[str, Output]] = {}
for _out in _OUTPUT_LIST:
    OUTPUTS_BY_SUBJECT.setdefault(_out.subject, {})[_out.name] = _out

#: the outputs of a profile (``convert --to``)
OUTPUTS: dict[str, Output] = OUTPUTS_BY_SUBJECT["profile"]


def resolve(
    path: str,
    name: str | None,
    subject: str = "profile",
    *,
    stdout: str = "folded",
    choices: tuple[str, ...] | None = None,
    option: str = "--format",
    noun: str = "output",
) -> Output:
    """The output named by ``option`` (``name``), else the one ``path``'s extension implies;
    ``stdout`` for '-'. ``choices`` narrows the outputs a command offers."""
    outputs = {
        k: o for k, o in OUTPUTS_BY_SUBJECT[subject].items() if choices is None or k in choices
    }
    if name:
        out = outputs.get(name)
        if out is None:
            raise UsageError(
                f"{option} {name}: not an output format",
                hint=f"choose one of: {', '.join(outputs)}",
            )
        return out
    if path == "-":
        return outputs[stdout]
    best = by_extension(path, subject, choices)
    if best is None:
        extensions = sorted({e for o in outputs.values() for e in o.extensions[:1]})
        raise UsageError(
            f"cannot tell the {noun} format of {path!r}",
            hint=f"name it {', '.join(extensions)}, or use {option} with one of: "
            f"{', '.join(outputs)}",
        )
    return best


def by_extension(path: str, subject: str, choices: tuple[str, ...] | None = None) -> Output | None:
    """The output of ``subject`` whose extension ends ``path`` (the longest), if any."""
    lower = path.lower()
    best = None
    for out in OUTPUTS_BY_SUBJECT[subject].values():
        if choices is not None and out.name not in choices:
            continue
        for ext in out.extensions:
            if lower.endswith(ext) and (best is None or len(ext) > best[1]):
                best = (out, len(ext))
    return best[0] if best else None


def output_for(path: str, to: str | None) -> Output:
    """The profile output named by ``--to``, else the one ``path``'s extension implies;
    folded stacks on standard output."""
    return resolve(path, to, option="--to")


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
