"""Interactive flame graphs as one self-contained SVG or HTML file.

:func:`render_svg` and :func:`render_html` lay the profile out (:mod:`.flame_layout`), colour
the frames (:mod:`.colors`) and fill ``renderers/flamegraph.svg.j2``; the behaviour comes from
``web/flamegraph.js`` and ``web/flamegraph.css``, inlined. Callers that draw something else on
the same geometry (a differential flame graph) pass per-node colours, details and a legend in
:class:`FlameOptions`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import orjson
from markupsafe import Markup, escape

from ..analyze.naming import function_label_of_frames
from ..analyze.weights import node_self
from ..errors import UsageError
from ..model import Profile
from ..resources import jinja_environment, read_web_asset
from ..transforms import invert
from ..units import format_duration_ns
from . import colors as palettes
from .flame_layout import FlameLayout, MinWidth, layout

XPAD = 10
FRAME_PAD = 1


@dataclass(frozen=True, eq=False)
class FlameOptions:
    """What a flame graph looks like; the defaults are flamegraph.pl's.

    ``flamechart`` draws time on the x axis (:mod:`.flamechart`) for a timestamped profile: a
    rectangle per uninterrupted run of a frame, with its start and duration shown, and one lane
    per thread.

    Hooks for callers that colour or annotate frames themselves (all indexed by call-tree node
    of the profile that is drawn; they cannot be combined with ``reverse``):

    - ``node_colors``: a ``#rrggbb`` fill per node, replacing the palette.
    - ``node_details``: extra fields shown in the tooltip and details bar, as
      ``{label: [text per node]}``; an empty text leaves the field out for that node.
    - ``legend``: (label, colour) pairs drawn under the graph, replacing the kind legend.
    """

    width: int = 1200
    frame_height: int = 16
    fontsize: float = 12.0
    font_width: float = 0.59
    minwidth: str | float = "0.1"
    title: str | None = None
    subtitle: str = ""
    countname: str | None = None
    nametype: str = "Function:"
    notes: str = ""
    colors: str | None = None
    bgcolors: str | None = None
    inverted: bool = False
    reverse: bool = False
    flamechart: bool = False
    js: bool = True
    search_color: str = "#e600e6"
    node_colors: Sequence[str] | None = None
    node_details: Mapping[str, Sequence[str]] | None = None
    legend: Sequence[tuple[str, str]] | None = None
    extra_css: str = field(default="", repr=False)

    def with_(self, **changes) -> FlameOptions:
        return replace(self, **changes)


# -- text that comes from the profile ---------------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ANNOTATION = re.compile(r"_\[[kwij]\]$")


def display_text(text: str) -> str:
    """Text safe to put in XML: characters XML forbids (and unpaired surrogates) become U+FFFD,
    bidirectional controls are shown as ``[U+202E]`` so they cannot reorder what is displayed."""
    if text.isascii() and text.isprintable():
        return text  # nothing to replace: the common case
    text = _XML_INVALID.sub("\ufffd", text)
    return _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def display_name(name: str) -> str:
    """A frame name as drawn: display-safe, without FlameGraph's ``_[k]``-style annotation."""
    return display_text(_ANNOTATION.sub("", name))


def fit_label(name: str, width_px: float, char_px: float) -> str:
    """The label that fits in ``width_px``: the name, cut with '..' when too long, or nothing."""
    chars = int(width_px / char_px)
    if chars < 3:
        return ""
    if len(name) <= chars:
        return name
    return name[: chars - 2] + ".."


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _nums(values: Iterable[float]) -> list[str]:
    """:func:`_num` of each value."""
    return [_num(v) for v in values]


def _count(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


# -- templates --------------------------------------------------------------------------------


def script_json(value) -> Markup:
    """JSON that cannot end the element it is embedded in (``</script>``, ``]]>``, ``-->``)."""
    text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    for raw, esc in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, esc)
    return Markup(text)


def _inline_asset(name: str, *forbidden: str) -> Markup:
    """A file from web/, checked not to contain the sequences that would end its container."""
    text = read_web_asset(name)
    for bad in forbidden:
        if bad in text.lower():
            raise RuntimeError(f"web/{name} contains {bad!r} and cannot be inlined")
    return Markup(text)


# -- the graph --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FlameGraph:
    """A laid-out, coloured flame graph: the template's context, ready to render."""

    context: dict
    layout: FlameLayout
    names: list[str]  # display name per drawn frame


def _palette(profile: Profile, options: FlameOptions) -> str:
    palette = options.colors or palettes.default_palette(
        profile.meta.source_format, profile.frames.kind
    )
    if palette not in palettes.PALETTES:
        raise UsageError(
            f"--colors {palette}: unknown palette",
            hint=f"choose one of: {', '.join(palettes.PALETTES)}",
        )
    return palette


def build_flamegraph(profile: Profile, options: FlameOptions | None = None) -> FlameGraph:
    """Lay out and colour ``profile``; the result renders as SVG or HTML."""
    options = options or FlameOptions()
    if options.width < 2 * XPAD + 10:
        raise UsageError(f"--width {options.width}: too narrow", hint="use at least 40 pixels")
    if options.frame_height < 2 or options.fontsize <= 0:
        raise UsageError("--height and --fontsize must be positive")
    minwidth = MinWidth.parse(options.minwidth)
    hooks = options.node_colors is not None or options.node_details is not None
    if options.reverse and hooks:
        raise UsageError("per-node colours or details cannot be combined with --reverse")
    if options.reverse and options.flamechart:
        raise UsageError("--reverse and --flamechart do not go together")
    self_weight = node_self(profile)
    drawn = profile
    if options.reverse:
        drawn = invert(profile)
        self_weight = node_self(drawn)
    plot_width = options.width - 2 * XPAD
    if options.flamechart:
        from .flamechart import chart_layout  # imported when needed: start-up counts

        drawn, lay = chart_layout(drawn, plot_width=plot_width, minwidth=minwidth)
        if hooks and drawn is not profile:
            raise UsageError("per-node colours or details need a one-thread flame chart")
    else:
        lay = layout(drawn, self_weight, plot_width=plot_width, minwidth=minwidth)
    palette = _palette(profile, options)
    fs = options.fontsize
    fh = options.frame_height
    unit = profile.unit

    # per drawn frame: names, files, lines, kinds (index 0 is 'all')
    kept = lay.node[1:]
    frame_ids = drawn.stacks.frame[kept]
    strings = drawn.strings
    raw_names = ["all"] + [strings[i] for i in drawn.frames.name[frame_ids].tolist()]
    bar_labels = function_label_of_frames(drawn)
    names = ["all"] + [display_name(bar_labels[f]) for f in frame_ids.tolist()]
    # where a frame is: its file, else its module (perf's DSO)
    file_ids = drawn.frames.file[frame_ids]
    file_ids = np.where(file_ids > 0, file_ids, drawn.frames.module[frame_ids])
    files = [""] + [display_text(strings[i]) for i in file_ids.tolist()]
    lines = [0, *drawn.frames.line[frame_ids].tolist()]
    kinds = np.r_[0, drawn.frames.kind[frame_ids]].astype(np.uint8)

    if options.node_colors is not None:
        node_colors = list(options.node_colors)
        if len(node_colors) != len(drawn.stacks):
            raise UsageError("node_colors must have one colour per call-tree node")
        fills = ["#c8c8c8"] + [node_colors[i] for i in kept.tolist()]
        for fill in fills:
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", fill):
                raise UsageError(f"node colour {fill!r} is not #rrggbb")
    else:
        fills = palettes.frame_colors(palette, raw_names, kinds)
    legend: list[tuple[str, str]] = []
    if options.legend is not None:
        legend = [(display_text(a), b) for a, b in options.legend]
    elif palette == palettes.KIND_PALETTE and options.node_colors is None:
        legend = palettes.kind_legend(kinds[1:])

    # sample counts beside times for profiles weighted in nanoseconds
    sample_counts = None
    if unit == "nanoseconds" and lay.samples is not None:
        sample_counts = lay.samples.tolist()
    elif unit == "nanoseconds":
        counts = np.bincount(drawn.samples.stack, minlength=len(drawn.stacks)).astype(np.int64)
        from ..tree import subtree_sums

        sub = subtree_sums(drawn.stacks, counts)
        sample_counts = [int(counts.sum()), *sub[kept].tolist()]
    countname = options.countname or "samples"
    period = profile.meta.period_ns

    grand = lay.grand_total
    totals = lay.total.tolist()
    depth = lay.depth.tolist()
    rows = depth if lay.row is None else lay.row.tolist()
    x0 = lay.x0.tolist()
    details_extra: dict[str, list[str]] = {}
    if options.node_details:
        for label, values in options.node_details.items():
            if len(values) != len(drawn.stacks):
                raise UsageError(f"node_details[{label!r}] must have one entry per node")
            details_extra[display_text(label)] = [""] + [
                display_text(values[i]) for i in kept.tolist()
            ]
    if lay.start is not None and lay.duration is not None:
        details_extra["start"] = [f"{v / 1e6:,.3f} ms" for v in lay.start.tolist()]
        details_extra["duration"] = [format_duration_ns(v) for v in lay.duration.tolist()]

    omitted = ""
    if lay.omitted_frames:
        share = 100.0 * lay.omitted_weight / grand
        # a flame chart counts the outermost left-out rectangles only
        callees = ""
        if lay.start is not None:
            callees = " with its callees" if lay.omitted_frames == 1 else " with their callees"
        omitted = (
            f"{lay.omitted_frames:,} frame{'s' if lay.omitted_frames != 1 else ''} "
            f"narrower than {minwidth} not drawn{callees} "
            f"({share:.2f}% of {countname if unit != 'nanoseconds' else 'time'})"
        )

    # geometry (pixels)
    ypad1 = fs * 3
    ypad2 = fs * 2 + 10
    ypad3 = fs * 2 if options.subtitle else 0
    legend_h = fs + 8 if legend else 0
    footer_h = fs + 6 if (omitted or options.notes) else 0
    ruler_h = fs + 6 if lay.duration is not None else 0  # a flame chart's time ruler
    height = int((lay.max_depth + 1) * fh + ypad1 + ypad2 + ypad3 + legend_h + footer_h + ruler_h)
    scale = plot_width / grand
    # where frames go: by weight, or by time in a flame chart
    geo_x0, geo_w, geo_scale = x0, totals, scale
    if lay.duration is not None:
        geo_w, geo_scale = lay.duration.tolist(), plot_width / lay.span
    char_px = fs * options.font_width
    top = ypad1 + ypad3
    bottom = height - ypad2 - legend_h - footer_h - ruler_h

    if unit == "nanoseconds":
        amounts = [format_duration_ns(t) for t in totals]
        if sample_counts is not None:
            amounts = [f"{a}, {c:,} samples" for a, c in zip(amounts, sample_counts, strict=True)]
    else:
        amounts = [f"{_count(t)} {countname}" for t in totals]
        if period:
            amounts = [
                f"{a}, {format_duration_ns(t * period)}"
                for a, t in zip(amounts, totals, strict=True)
            ]
    titles = []
    for i, (name, file, line) in enumerate(zip(names, files, lines, strict=True)):
        where = (f" {file}:{line}" if line else f" {file}") if file else ""
        title = f"{name}{where} ({amounts[i]}, {100.0 * totals[i] / grand:.2f}%)"
        for label_name, values in details_extra.items():
            if values[i]:
                title += f"\n{label_name}: {values[i]}"
        titles.append(escape(title))
    xs = [XPAD + v * geo_scale for v in geo_x0]
    ws = [v * geo_scale for v in geo_w]
    if options.inverted:
        ys = [top + d * fh for d in rows]
    else:
        ys = [bottom - (d + 1) * fh + FRAME_PAD for d in rows]
    text_dy = (fh - FRAME_PAD) / 2 + fs / 3
    frames = list(
        zip(
            titles,
            _nums(xs),
            _nums(ys),
            _nums(ws),
            fills,
            _nums(x + 3 for x in xs),
            _nums(y + text_dy for y in ys),
            [escape(fit_label(n, w, char_px)) for n, w in zip(names, ws, strict=True)],
            strict=True,
        )
    )

    bgcolors = options.bgcolors or palettes.default_background(palette)
    bg_top, bg_bottom = palettes.background(bgcolors)
    if options.title is not None:
        title = options.title
    elif options.flamechart:
        title = "Flame Chart"
    elif options.inverted:
        title = "Icicle Graph"
    else:
        title = "Flame Graph"

    data = {
        "v": 1,
        "names": names,
        "files": files,
        "lines": lines,
        "depth": depth,
        "x0": x0,
        "total": totals,
        "self": lay.self_weight.tolist(),
        "end": lay.end.tolist(),
        "samples": sample_counts,
        "extra": details_extra,
        "extrakeys": list(details_extra),
        "unit": unit,
        "period": period,
        "countname": countname,
        "nametype": options.nametype,
        "width": options.width,
        "xpad": XPAD,
        "fontsize": fs,
        "fontwidth": options.font_width,
        "searchcolor": options.search_color,
        "inverted": options.inverted,
        "omitted": lay.omitted_frames,
    }
    if lay.duration is not None:  # flame chart: zoom by time, not by weight
        data["gx0"] = x0
        data["gw"] = lay.duration.tolist()
        data["t0"] = float(lay.start[0])  # time (ns) at the left edge, for the ruler
    legend_items = []
    lx = XPAD
    for label, color in legend:
        legend_items.append((label, color, _num(lx), _num(lx + fs + 4)))
        lx += fs + 12 + len(label) * char_px
    context = {
        "width": options.width,
        "height": height,
        "fontsize": _num(fs),
        "frame_height": _num(fh - FRAME_PAD),
        "title": display_text(title),
        "subtitle": display_text(options.subtitle),
        "notes": display_text(options.notes),
        "omitted": omitted,
        "bg_top": bg_top,
        "bg_bottom": bg_bottom,
        "frames": frames,
        "legend": legend_items,
        "legend_y": _num(bottom + ruler_h + fs + 2),
        "legend_box_y": _num(bottom + ruler_h + 3),
        "ruler": _ruler(lay, options, bottom) if ruler_h else None,
        "footer_y": _num(height - 6),
        "center": _num(options.width / 2),
        "title_y": _num(fs * 2),
        "subtitle_y": _num(fs * 4),
        "details_y": _num(height - footer_h - ypad2 / 2),
        "right": options.width - XPAD,
        "js": options.js,
        "css": _inline_asset("flamegraph.css", "]]>", "</style"),
        "extra_css": Markup(display_text(options.extra_css).replace("]]>", "")),
    }
    if options.js:
        context["data"] = script_json(data)
        context["script"] = _inline_asset("flamegraph.js", "]]>", "</script")
    return FlameGraph(context=context, layout=lay, names=names)


def _ruler(lay: FlameLayout, options: FlameOptions, top: float) -> dict:
    """The flame chart's time ruler under the frames: ticks and labels (a label that would run
    past the right edge is left out); web/flamegraph.js redraws it for each zoom."""
    from .flamechart import time_ticks

    plot_width = options.width - 2 * XPAD
    start, span = float(lay.start[0]), float(lay.span)
    label_px = options.fontsize * options.font_width
    ticks = []
    for t, label in time_ticks(start, span, plot_width):
        x = XPAD + (t - start) / span * plot_width
        fits = x + 2 + len(label) * label_px <= options.width
        ticks.append((_num(x), _num(x + 2), label if fits else ""))
    return {
        "ticks": ticks,
        "y1": _num(top + 1),
        "y2": _num(top + 5),
        "text_y": _num(top + options.fontsize + 2),
    }


def render_svg(profile: Profile, options: FlameOptions | None = None) -> str:
    """A standalone SVG flame graph of ``profile``."""
    graph = build_flamegraph(profile, options)
    template = jinja_environment().get_template("flamegraph.svg.j2")
    return template.render(**graph.context, standalone=True)


def render_html(profile: Profile, options: FlameOptions | None = None) -> str:
    """An HTML page holding the SVG flame graph, with a strict Content-Security-Policy."""
    graph = build_flamegraph(profile, options)
    env = jinja_environment()
    svg = env.get_template("flamegraph.svg.j2").render(**graph.context, standalone=False)
    script = graph.context.get("script", Markup(""))
    import base64
    import hashlib

    script_hash = hashlib.sha256(str(script).encode("utf-8")).digest()

    return env.get_template("flamegraph.html.j2").render(
        title=graph.context["title"],
        svg=Markup(svg),
        js=graph.context["js"],
        data=graph.context.get("data", Markup("")),
        script=script,
        script_hash=base64.b64encode(script_hash).decode("ascii"),
        page_css=_inline_asset("flamegraph-page.css", "</style"),
    )


class FlameSVG:
    """An SVG flame graph that displays itself in Jupyter (``_repr_svg_``/``_repr_html_``)."""

    def __init__(self, profile: Profile, options: FlameOptions | None = None) -> None:
        self.svg = render_svg(profile, options)

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return self.svg.split("?>\n", 1)[-1]  # inline SVG: no XML declaration

    def __str__(self) -> str:
        return self.svg


# -- outputs for `convert --to` ---------------------------------------------------------------


def render_svg_bytes(profile: Profile, **options) -> bytes:
    return render_svg(profile, FlameOptions(**options)).encode("utf-8")


def render_html_bytes(profile: Profile, **options) -> bytes:
    return render_html(profile, FlameOptions(**options)).encode("utf-8")
