"""Interactive flame graphs as one self-contained SVG or HTML file.

:func:`render_svg` and :func:`render_html` lay the profile out (:mod:`.flame_layout`), colour
the frames (:mod:`.colors`) and fill ``renderers/flamegraph.svg.j2``; the behaviour comes from
``web/flamegraph.js`` and ``web/flamegraph.css``, inlined. Callers that draw something else on
the same geometry (a differential flame graph) pass per-node colours, details and a legend in
:class:`FlameOptions`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import repeat

import numpy as np
import orjson
from markupsafe import Markup, escape

try:  # markupsafe 3: the escaping that escape() wraps in Markup(...) for a plain string
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - older markupsafe
    _escape_inner = None

from .. import defaults
from ..analyze.naming import function_label_of_frames
from ..core.model import Profile
from ..core.transforms import AREAS, HIDDEN, invert
from ..core.weights import node_self
from ..errors import UsageError
from ..resources import jinja_environment, read_web_asset
from ..units import format_bytes, format_duration_ns, middle_truncate
from . import colors as palettes
from .flame_layout import FlameLayout, MinWidth, layout, name_rank

XPAD = 10
FRAME_PAD = 1
# The first view: a graph is at most this tall (pixels at its own width), so that its base, its
# widest frames, fits in a 1280x800 window even when an HTML page scales a 1200 px graph up to
# the window's width. Deeper frames are drawn when zoomed into (see :func:`_view_rows`).
VIEW_HEIGHT = 750


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

    ``element_id`` is the id of the ``<svg>`` element (its gradient and CSS scope derive from
    it); by default a hash of what is drawn, so a file is reproducible and different graphs on
    one page never share ids. Pass a fresh one to show the same graph twice on a page.
    """

    width: int = defaults.flame("width")
    frame_height: int = defaults.flame("frame_height")
    fontsize: float = defaults.flame("fontsize")
    font_width: float = defaults.flame("font_width")
    minwidth: str | float = defaults.flame("minwidth")
    title: str | None = None
    subtitle: str = ""
    countname: str | None = None
    nametype: str = defaults.flame("nametype")
    notes: str = ""
    colors: str | None = None
    bgcolors: str | None = None
    inverted: bool = False
    reverse: bool = False
    flamechart: bool = False
    js: bool = True
    search_color: str = palettes.SEARCH_COLOR
    node_colors: Sequence[str] | None = None
    node_details: Mapping[str, Sequence[str]] | None = None
    legend: Sequence[tuple[str, str]] | None = None
    extra_css: str = field(default="", repr=False)
    element_id: str | None = None

    def __post_init__(self) -> None:
        """Refuse options that cannot draw, before any profile is read."""
        if self.width < 2 * XPAD + 10:
            raise UsageError(f"--width {self.width}: too narrow", hint="use at least 40 pixels")
        if self.frame_height < 2 or self.fontsize <= 0:
            raise UsageError("--height and --fontsize must be positive")
        MinWidth.parse(self.minwidth)
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", self.search_color):
            raise UsageError(f"search colour {self.search_color!r} is not #rrggbb")
        hooks = self.node_colors is not None or self.node_details is not None
        if self.reverse and hooks:
            raise UsageError("per-node colours or details cannot be combined with --reverse")
        if self.reverse and self.flamechart:
            raise UsageError("--reverse and --flamechart do not go together")
        if self.colors is not None and self.colors not in palettes.PALETTES:
            raise UsageError(
                f"--colors {self.colors}: unknown palette",
                hint=f"choose one of: {', '.join(palettes.PALETTES)}",
            )
        if self.bgcolors is not None:
            palettes.background(self.bgcolors)

    def with_(self, **changes) -> FlameOptions:
        return replace(self, **changes)


# -- text that comes from the profile ---------------------------------------------------------

_as_markup = partial(str.__new__, Markup)  # a string already escaped, as Markup
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


def bar_texts(
    name: str, share: str, where: str, width_px: float, char_px: float
) -> tuple[str, str]:
    """What a bar of ``width_px`` says: (left, right). The name first, then its share of the
    total beside it and where it is (``app.js:39``) at the right end, each only when it fits;
    a name too long for the bar is cut with '..' (web/flamegraph.js does the same on zoom)."""
    chars = int(width_px / char_px)
    left = f"{name} {share}" if share else name
    if where and len(left) + 2 + len(where) <= chars:
        return left, where
    if len(left) <= chars:
        return left, ""
    return fit_label(name, width_px, char_px), ""


def locations(files: Sequence[str], lines: Sequence[int], columns: Sequence[int]) -> list[str]:
    """Per frame, where it is in a few characters: the file's last part and the line, and the
    column when another frame shares that file and line."""
    columns_at: dict[tuple[str, int], set[int]] = {}
    for f, ln, col in zip(files, lines, columns, strict=True):
        if f and ln:
            columns_at.setdefault((f, ln), set()).add(col)
    out = []
    for f, ln, col in zip(files, lines, columns, strict=True):
        if not f:
            out.append("")
            continue
        base = f.rstrip("/").rsplit("/", 1)[-1] or f
        if not ln:
            out.append(base)
        elif col and len(columns_at[(f, ln)]) > 1:
            out.append(f"{base}:{ln}:{col}")
        else:
            out.append(f"{base}:{ln}")
    return out


def escape_all(texts: list[str]) -> list[Markup]:
    """``markupsafe.escape`` of each of ``texts`` (plain strings), at C speed where markupsafe
    has its escaping function on its own: a flame graph has tens of thousands of texts."""
    if _escape_inner is None:
        return list(map(escape, texts))
    return list(map(_as_markup, map(_escape_inner, texts)))


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _nums(values: Iterable[float]) -> list[str]:
    """:func:`_num` of each value (C-level maps: a flame graph has thousands)."""
    return list(map(str.removesuffix, map("{:.1f}".format, values), repeat(".0")))


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
    """The palette asked for (checked in FlameOptions), else the profile's default."""
    return options.colors or palettes.default_palette(
        profile.meta.knows_kinds, profile.frames.kind, profile.unit
    )


def _laid_out(
    profile: Profile, options: FlameOptions, minwidth: MinWidth
) -> tuple[Profile, FlameLayout]:
    """The profile as drawn (inverted for --reverse, one lane per thread for a flame chart)
    and its layout."""
    drawn = invert(profile) if options.reverse else profile
    plot_width = options.width - 2 * XPAD
    if not options.flamechart:
        return drawn, layout(drawn, node_self(drawn), plot_width=plot_width, minwidth=minwidth)
    from .flamechart import chart_layout  # imported when needed: start-up counts

    drawn, lay = chart_layout(drawn, plot_width=plot_width, minwidth=minwidth)
    hooks = options.node_colors is not None or options.node_details is not None
    if hooks and drawn is not profile:
        raise UsageError("per-node colours or details need a one-thread flame chart")
    return drawn, lay


@dataclass(eq=False)
class _Bars:
    """Per drawn frame (index 0 is 'all'): what it is, where, and how it is painted."""

    kept: np.ndarray  # call-tree node of each frame after 'all'
    frame_ids: np.ndarray
    raw_names: list[str]
    names: list[str]  # display names
    files: list[str]
    lines: list[int]
    where: list[str]  # the place shown beside a label that does not already name it
    kinds: np.ndarray
    fills: list[str] = field(default_factory=list)


def _bars(drawn: Profile, lay: FlameLayout) -> _Bars:
    kept = lay.node[1:]
    frame_ids = drawn.stacks.frame[kept]
    strings = drawn.strings
    raw_names = ["all"] + [strings[i] for i in drawn.frames.name[frame_ids].tolist()]
    bar_labels = function_label_of_frames(drawn)
    labels = ["all"] + [bar_labels[f] for f in frame_ids.tolist()]
    names = list(map(display_name, labels))
    # where a frame is: its file, else its module (perf's DSO)
    file_ids = drawn.frames.file[frame_ids]
    file_ids = np.where(file_ids > 0, file_ids, drawn.frames.module[frame_ids])
    files = [""] + [display_text(strings[i]) for i in file_ids.tolist()]
    lines = [0, *drawn.frames.line[frame_ids].tolist()]
    if any(files):
        where = locations(files, lines, [0, *drawn.frames.column[frame_ids].tolist()])
        # a label that already names its place (``(anonymous) app.js:39``) does not repeat it
        where = [
            place if label == raw or name == display_name(raw) else ""
            for name, label, raw, place in zip(names, labels, raw_names, where, strict=True)
        ]
    else:  # no frame has a place (folded stacks)
        where = [""] * len(names)
    kinds = np.r_[0, drawn.frames.kind[frame_ids]].astype(np.uint8)
    return _Bars(kept, frame_ids, raw_names, names, files, lines, where, kinds)


def _paint(bars: _Bars, drawn: Profile, palette: str, options: FlameOptions) -> list:
    """Fill the frames' colours; the legend (label, colour) to show."""
    if options.node_colors is not None:
        node_colors = list(options.node_colors)
        if len(node_colors) != len(drawn.stacks):
            raise UsageError("node_colors must have one colour per call-tree node")
        bars.fills = ["#c8c8c8"] + [node_colors[i] for i in bars.kept.tolist()]
        for fill in bars.fills:
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", fill):
                raise UsageError(f"node colour {fill!r} is not #rrggbb")
    else:
        bars.fills = palettes.frame_colors(palette, bars.raw_names, bars.kinds)
    if options.legend is not None:
        return [(display_text(a), b) for a, b in options.legend]
    if palette == palettes.KIND_PALETTE and options.node_colors is None:
        return palettes.kind_legend(bars.kinds[1:])
    return []


def _sample_counts(
    drawn: Profile, lay: FlameLayout, kept: np.ndarray, unit: str
) -> list[int] | None:
    """Sample counts per frame, shown beside times for profiles weighted in nanoseconds."""
    if unit != "nanoseconds":
        return None
    if lay.samples is not None:
        return lay.samples.tolist()
    counts = np.bincount(drawn.samples.stack, minlength=len(drawn.stacks)).astype(np.int64)
    from ..core.tree import subtree_sums

    sub = subtree_sums(drawn.stacks, counts)
    return [int(counts.sum()), *sub[kept].tolist()]


def _details(drawn: Profile, lay: FlameLayout, kept: np.ndarray, options: FlameOptions) -> dict:
    """Extra tooltip lines per frame: the caller's details, a flame chart's start and length."""
    details: dict[str, list[str]] = {}
    if options.node_details:
        for label, values in options.node_details.items():
            if len(values) != len(drawn.stacks):
                raise UsageError(f"node_details[{label!r}] must have one entry per node")
            details[display_text(label)] = [""] + [display_text(values[i]) for i in kept.tolist()]
    if lay.start is not None and lay.duration is not None:
        details["start"] = [f"{v / 1e6:,.3f} ms" for v in lay.start.tolist()]
        details["duration"] = [format_duration_ns(v) for v in lay.duration.tolist()]
    return details


def _omitted_note(lay: FlameLayout, minwidth: MinWidth, countname: str, unit: str) -> str:
    if not lay.omitted_frames:
        return ""
    share = 100.0 * lay.omitted_weight / lay.grand_total
    # a flame chart counts the outermost left-out rectangles only
    callees = ""
    if lay.start is not None:
        callees = " with its callees" if lay.omitted_frames == 1 else " with their callees"
    return (
        f"{lay.omitted_frames:,} frame{'s' if lay.omitted_frames != 1 else ''} "
        f"narrower than {minwidth} not drawn{callees} "
        f"({share:.2f}% of {countname if unit != 'nanoseconds' else 'time'})"
    )


@dataclass(frozen=True, eq=False)
class _Geometry:
    """Where things go, in pixels; the first view of a deep graph; the footer's note."""

    height: int
    top: float
    bottom: float
    ypad2: float
    ruler_h: float
    footer_h: float
    view: ViewRows | None
    omitted: str
    omitted_hint: str


def _geometry(lay: FlameLayout, options: FlameOptions, has_legend: bool, omitted: str):
    fs, fh = options.fontsize, options.frame_height
    ypad1 = fs * 3
    ypad2 = fs * 2 + 10
    ypad3 = fs * 2 if options.subtitle else 0
    legend_h = fs + 8 if has_legend else 0
    ruler_h = fs + 6 if lay.duration is not None else 0  # a flame chart's time ruler
    fixed_h = ypad1 + ypad2 + ypad3 + legend_h + ruler_h + fs + 6  # room for a footer
    # a flame chart of one lane has its rows by depth, as a flame graph: it gets the same view
    one_lane = lay.row is None or np.array_equal(lay.row, lay.depth)
    rows = max(2, int((VIEW_HEIGHT - fixed_h) // fh))
    view = _view_rows(lay, rows) if one_lane else _lane_view_rows(lay, rows)
    omitted_hint = ""  # shown only where the script runs
    if view is not None:
        deeper = f"{view.hidden_count:,} deeper frame{'s' if view.hidden_count != 1 else ''}"
        if options.js:
            deeper += " above the dashed ones"
            omitted_hint = ": click one to see them"
        else:
            deeper += " not drawn (the interactive graph shows them when zoomed)"
        omitted = f"{omitted}; {deeper}" if omitted else deeper
    footer_h = fs + 6 if (omitted or options.notes) else 0
    shown_rows = view.rows if view is not None else lay.max_depth + 1
    height = int(shown_rows * fh + ypad1 + ypad2 + ypad3 + legend_h + footer_h + ruler_h)
    top = ypad1 + ypad3
    bottom = height - ypad2 - legend_h - footer_h - ruler_h
    return _Geometry(height, top, bottom, ypad2, ruler_h, footer_h, view, omitted, omitted_hint)


def _amounts(
    totals: list, samples: list[int] | None, unit: str, countname: str, period: int
) -> list[str]:
    """Each frame's weight as its tooltip says it."""
    if unit == "nanoseconds":
        amounts = [format_duration_ns(t) for t in totals]
        if samples is not None:
            amounts = [f"{a}, {c:,} samples" for a, c in zip(amounts, samples, strict=True)]
        return amounts
    if unit == "bytes":
        return [format_bytes(t) for t in totals]
    amounts = [f"{_count(t)} {countname}" for t in totals]
    if period:
        amounts = [
            f"{a}, {format_duration_ns(t * period)}" for a, t in zip(amounts, totals, strict=True)
        ]
    return amounts


def _titles(bars: _Bars, amounts: list[str], totals: list, grand: float, details: dict) -> list:
    titles = []
    for i, (name, file, line) in enumerate(zip(bars.names, bars.files, bars.lines, strict=True)):
        where = (f" {file}:{line}" if line else f" {file}") if file else ""
        title = f"{name}{where} ({amounts[i]}, {100.0 * totals[i] / grand:.2f}%)"
        for label_name, values in details.items():
            if values[i]:
                title += f"\n{label_name}: {values[i]}"
        titles.append(title)
    return escape_all(titles)


def _frame_rows(
    bars: _Bars, lay: FlameLayout, geo: _Geometry, options: FlameOptions, titles: list
) -> tuple[list[tuple], list[float]]:
    """The template's rows, one per frame drawn; and each frame's y."""
    fh = options.frame_height
    totals = lay.total.tolist()
    rows = lay.depth.tolist() if lay.row is None else lay.row.tolist()
    if geo.view is not None and geo.view.row is not None:
        rows = np.maximum(geo.view.row, 0).tolist()  # the hidden ones are not shown
    # where frames go: by weight, or by time in a flame chart
    plot_width = options.width - 2 * XPAD
    geo_w, geo_scale = totals, plot_width / lay.grand_total
    if lay.duration is not None:
        geo_w, geo_scale = lay.duration.tolist(), plot_width / lay.span
    xs = [XPAD + v * geo_scale for v in lay.x0.tolist()]
    ws = [v * geo_scale for v in geo_w]
    if options.inverted:
        ys = [geo.top + d * fh for d in rows]
    else:
        ys = [geo.bottom - (d + 1) * fh + FRAME_PAD for d in rows]
    text_dy = (fh - FRAME_PAD) / 2 + options.fontsize / 3
    char_px = options.fontsize * options.font_width
    # a bar of fewer than 3 characters says nothing: a name and its share need 5 or more
    texts = [("", "")] * len(ws)
    grand = lay.grand_total
    for i in np.flatnonzero(np.array(ws) / char_px >= 3).tolist():
        share = f"{100.0 * totals[i] / grand:.1f}%" if i else ""  # 'all' is all of it
        texts[i] = bar_texts(bars.names[i], share, bars.where[i], ws[i], char_px)
    # labels in white where black would not read (WCAG 4.5:1)
    light = palettes.white_label_fills(bars.fills)
    classes = ["fk-light" if f in light else "" for f in bars.fills]
    view = geo.view
    if view is not None:
        for i in np.flatnonzero(view.stub).tolist():
            classes[i] = f"{classes[i]} fk-stub".lstrip()
            titles[i] += escape(f"\n{int(lay.end[i]) - i:,} deeper frames: click to see them")
        for i in np.flatnonzero(view.hidden).tolist():
            classes[i] = f"{classes[i]} fk-deep".lstrip()
    frames = list(
        zip(
            titles,
            _nums(xs),
            _nums(ys),
            _nums(ws),
            bars.fills,
            _nums(x + 3 for x in xs),
            _nums(y + text_dy for y in ys),
            escape_all([left for left, _ in texts]),
            classes,
            escape_all([right for _, right in texts]),
            _nums(x + w - 3 for x, w in zip(xs, ws, strict=True)),
            strict=True,
        )
    )
    if view is not None and not options.js:
        # a static file cannot zoom: the frames above the view are left out
        frames = [f for f, hidden in zip(frames, view.hidden.tolist(), strict=True) if not hidden]
    return frames, ys


@dataclass(frozen=True, eq=False)
class _Extra:
    """What the tooltips, the script and the page share beyond the frames themselves."""

    samples: list[int] | None  # sample counts per frame, beside times (see _sample_counts)
    details: dict[str, list[str]]  # extra tooltip lines per frame (see _details)
    countname: str
    palette: str


def _script_data(
    drawn: Profile,
    bars: _Bars,
    lay: FlameLayout,
    options: FlameOptions,
    extra: _Extra,
    geo: _Geometry,
    y0: float,
) -> tuple[dict, list]:
    """What web/flamegraph.js needs to redraw and zoom the graph; the area chips."""
    x0 = lay.x0.tolist()
    data = {
        "v": 1,
        "names": bars.names,
        "files": bars.files,
        "lines": bars.lines,
        "where": bars.where,
        "depth": lay.depth.tolist(),
        "x0": x0,
        "total": lay.total.tolist(),
        "self": lay.self_weight.tolist(),
        "end": lay.end.tolist(),
        "samples": extra.samples,
        "extra": extra.details,
        "extrakeys": list(extra.details),
        "unit": drawn.unit,
        "period": drawn.meta.period_ns,
        "countname": extra.countname,
        "nametype": options.nametype,
        "width": options.width,
        "xpad": XPAD,
        "fontsize": options.fontsize,
        "fontwidth": options.font_width,
        "searchcolor": options.search_color,
        "searchlabel": palettes.label_color(options.search_color),
        "inverted": options.inverted,
        "omitted": lay.omitted_frames,
        "rows": geo.view.rows if geo.view is not None else 0,
        "ybase": y0,
        "frameheight": options.frame_height,
    }
    areas = _areas(bars.kinds) if options.js and lay.duration is None else []
    if areas:  # what the area chips need to rebuild the graph without an area
        data["kind"] = bars.kinds.tolist()
        data["fid"] = [-1, *bars.frame_ids.tolist()]
        data["rank"] = [-1, *name_rank(drawn)[bars.frame_ids].tolist()]
        data["areas"] = [[key, [int(k) for k in AREAS[key]]] for key, _label in areas]
        data["hiddenrank"] = _hidden_rank(drawn)
    if geo.view is not None and geo.view.row is not None:  # lanes of a flame chart
        data["viewrow"] = geo.view.row.tolist()
    if lay.duration is not None:  # flame chart: zoom by time, not by weight
        data["gx0"] = x0
        data["gw"] = lay.duration.tolist()
        data["t0"] = float(lay.start[0])  # time (ns) at the left edge, for the ruler
    return data, areas


def _legend_items(legend: list, options: FlameOptions) -> list[tuple]:
    items = []
    fs = options.fontsize
    char_px = fs * options.font_width
    lx = XPAD
    for label, color in legend:
        items.append((label, color, _num(lx), _num(lx + fs + 4)))
        lx += fs + 12 + len(label) * char_px
    return items


def build_flamegraph(profile: Profile, options: FlameOptions | None = None) -> FlameGraph:
    """Lay out and colour ``profile``; the result renders as SVG or HTML."""
    options = options or FlameOptions()  # checked when made (FlameOptions.__post_init__)
    minwidth = MinWidth.parse(options.minwidth)
    drawn, lay = _laid_out(profile, options, minwidth)
    palette = _palette(profile, options)
    bars = _bars(drawn, lay)
    legend = _paint(bars, drawn, palette, options)
    countname = options.countname or "samples"
    extra = _Extra(
        samples=_sample_counts(drawn, lay, bars.kept, profile.unit),
        details=_details(drawn, lay, bars.kept, options),
        countname=countname,
        palette=palette,
    )
    omitted = _omitted_note(lay, minwidth, countname, profile.unit)
    geo = _geometry(lay, options, bool(legend), omitted)
    totals = lay.total.tolist()
    amounts = _amounts(totals, extra.samples, profile.unit, countname, profile.meta.period_ns)
    titles = _titles(bars, amounts, totals, lay.grand_total, extra.details)
    frames, ys = _frame_rows(bars, lay, geo, options, titles)
    data, areas = _script_data(drawn, bars, lay, options, extra, geo, ys[0])
    context = _context(profile, options, lay, geo, frames, legend, areas, extra)
    if options.js:
        context["data"] = script_json(data)
        context["script"] = _inline_asset("flamegraph.js", "]]>", "</script")
    return FlameGraph(context=context, layout=lay, names=bars.names)


def _context(
    profile: Profile,
    options: FlameOptions,
    lay: FlameLayout,
    geo: _Geometry,
    frames: list,
    legend: list,
    areas: list,
    extra: _Extra,
) -> dict:
    """The template's context (without the script and its data)."""
    fs = options.fontsize
    bgcolors = options.bgcolors or palettes.default_background(extra.palette)
    bg_top, bg_bottom = palettes.background(bgcolors)
    if options.title is not None:
        title = options.title
    else:
        samples = extra.samples[0] if extra.samples is not None else None
        title = default_title(profile, options, lay.grand_total, samples, extra.countname)
    context = {
        "uid": "",
        "width": options.width,
        "height": geo.height,
        "fontsize": _num(fs),
        "frame_height": _num(options.frame_height - FRAME_PAD),
        "title": display_text(title),
        "subtitle": display_text(options.subtitle),
        "notes": display_text(options.notes),
        "omitted": geo.omitted,
        "omitted_hint": geo.omitted_hint,
        "bg_top": bg_top,
        "bg_bottom": bg_bottom,
        "frames": frames,
        "legend": _legend_items(legend, options),
        "legend_y": _num(geo.bottom + geo.ruler_h + fs + 2),
        "legend_box_y": _num(geo.bottom + geo.ruler_h + 3),
        "ruler": _ruler(lay, options, geo.bottom) if geo.ruler_h else None,
        "footer_y": _num(geo.height - 6),
        "center": _num(options.width / 2),
        "title_y": _num(fs * 2),
        "subtitle_y": _num(fs * 4),
        "details_y": _num(geo.height - geo.footer_h - geo.ypad2 / 2),
        "right": options.width - XPAD,
        "js": options.js,
        "areas": areas,
        "css": _inline_asset("flamegraph.css", "]]>", "</style"),
        "extra_css": Markup(display_text(options.extra_css).replace("]]>", "")),
    }
    uid = _element_id(options, context)
    context["uid"] = uid
    # extra rules apply to this graph only, not to every graph on the page
    context["extra_css"] = Markup(str(context["extra_css"]).replace("svg.flamekit", f"svg#{uid}"))
    return context


AREA_LABELS = {
    "user": "your code",
    "dependencies": "dependencies",
    "runtime": "runtime",
    "native": "native",
    "gc": "GC",
    "idle": "idle",
}


def _areas(kinds: np.ndarray) -> list[tuple[str, str]]:
    """The code areas (key, chip label) with drawn frames, when there are two or more."""
    present = set(kinds[1:].tolist())
    found = [(k, AREA_LABELS[k]) for k, ks in AREAS.items() if present & {int(x) for x in ks}]
    return found if len(found) >= 2 else []


def _hidden_rank(profile: Profile) -> float:
    """Where a ``(hidden)`` frame goes among siblings: after the frames whose name sorts first."""
    before = [i for i, text in enumerate(profile.strings) if text < HIDDEN]
    return float(np.isin(profile.frames.name, before).sum()) - 0.5


def default_title(
    profile: Profile,
    options: FlameOptions,
    total: float,
    samples: int | None,
    countname: str = "samples",
) -> str:
    """What the graph is, of which file(s), and how much it holds: ``Flame Graph: app.cpuprofile
    (2.62 s, 1,496 samples)``; a long file name is shortened in the middle to fit the width."""
    if options.flamechart:
        kind = "Flame Chart"
    elif options.inverted:
        kind = "Icicle Graph"
    else:
        kind = "Flame Graph"
    if profile.unit == "nanoseconds":
        amount = format_duration_ns(total)
        if samples is not None:
            amount += f", {samples:,} sample{'s' if samples != 1 else ''}"
    elif profile.unit == "bytes":
        amount = format_bytes(total)
    else:
        amount = f"{_count(total)} {countname}"
    tail = f" ({amount})"
    name = display_text(profile.meta.name)
    # the title is centred (between the hottest-frame controls and Search) at 1.42 times the font
    reserve = 2 * 200 if options.js else 2 * XPAD
    room = int((options.width - reserve) / (options.fontsize * 1.42 * options.font_width))
    # what fits, in this order: all of it, without the amount, without the name
    for with_name, end in ((True, tail), (True, ""), (False, tail), (False, "")):
        if with_name and name:
            left = room - len(kind) - 2 - len(end)
            if left >= min(len(name), 12):
                return f"{kind}: {middle_truncate(name, left)}{end}"
        elif not with_name and len(kind) + len(end) <= room:
            return kind + end
    return kind


@dataclass(frozen=True, eq=False)
class ViewRows:
    """The rows of a graph too deep for the first view: ``rows`` rows are drawn; per frame,
    ``hidden`` (deeper, drawn when zoomed into) and ``stub`` (the last drawn frame of a taller
    stack, marked so a reader knows there is more). A graph's frames sit at their depth (rows 0
    to ``rows - 1``); a flame chart of several lanes gives each lane some rows, and ``row`` says
    where each frame is drawn (-1: hidden)."""

    rows: int
    hidden: np.ndarray
    stub: np.ndarray
    row: np.ndarray | None = None

    @property
    def hidden_count(self) -> int:
        return int(np.count_nonzero(self.hidden))


def _view_rows(lay: FlameLayout, rows: int) -> ViewRows | None:
    """Which frames fit in the first ``rows`` rows, or None when all of them do."""
    if lay.max_depth + 1 <= rows:
        return None
    hidden = lay.depth >= rows
    stub = (lay.depth == rows - 1) & (lay.end > np.arange(len(lay.depth)))
    return ViewRows(rows=rows, hidden=hidden, stub=stub)


def _lane_view_rows(lay: FlameLayout, rows: int) -> ViewRows | None:
    """The first view of a flame chart whose lanes are together taller than ``rows`` rows: each
    lane keeps its lowest rows, and the rows above 'all' go where they draw the most time (a row
    of a lane draws its frames at that depth; a lane's rows get narrower with depth, so the rows
    kept are the lowest of each lane); or None when every lane fits."""
    assert lay.row is not None
    offset = lay.row[1:] - lay.depth[1:]  # rows below a lane's frames: one value per lane
    lane_of = np.unique(offset, return_inverse=True)[1]
    depth = lay.depth[1:]  # a lane's root is at depth 1
    lanes, tallest = int(lane_of.max()) + 1, int(depth.max())
    heights = np.zeros(lanes, dtype=np.int64)
    np.maximum.at(heights, lane_of, depth)
    if int(heights.sum()) <= rows - 1:
        return None
    caps = _rows_drawing_most(lane_of, depth, lanes, tallest, lay, rows - 1)
    base = np.concatenate(([0], np.cumsum(caps)[:-1]))
    shown = depth <= caps[lane_of]
    row = np.concatenate(([0], np.where(shown, base[lane_of] + depth, -1)))
    has_callees = lay.end > np.arange(len(lay.depth))
    stub = np.concatenate(([False], shown & (depth == caps[lane_of]))) & has_callees
    return ViewRows(rows=1 + int(caps.sum()), hidden=row < 0, stub=stub, row=row)


def _rows_drawing_most(
    lane_of: np.ndarray, depth: np.ndarray, lanes: int, tallest: int, lay: FlameLayout, room: int
) -> np.ndarray:
    """How many rows each lane keeps: its root row, then the ``room`` rows of all lanes whose
    frames span the most time (ties: the lower row first)."""
    span = (lay.total if lay.duration is None else lay.duration)[1:].astype(np.float64)
    width = np.zeros((lanes, tallest + 1))
    np.add.at(width, (lane_of, depth), span)
    lane, level = np.nonzero(width[:, 2:] > 0)
    level = level + 2
    order = np.lexsort((lane, level, -width[lane, level]))[: max(0, room - lanes)]
    return 1 + np.bincount(lane[order], minlength=lanes)


_ELEMENT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def _element_id(options: FlameOptions, context: dict) -> str:
    """The ``<svg>`` element's id: the caller's, or ``fk-`` and a hash of what is drawn."""
    if options.element_id is not None:
        if not _ELEMENT_ID.fullmatch(options.element_id):
            raise UsageError(
                f"element id {options.element_id!r} is not a plain id",
                hint="use a letter then letters, digits, '-' or '_'",
            )
        return options.element_id
    digest = hashlib.sha256(repr(sorted(context.items())).encode("utf-8", "surrogatepass"))
    return "fk-" + digest.hexdigest()[:12]


def _ruler(lay: FlameLayout, options: FlameOptions, top: float) -> dict:
    """The flame chart's time ruler under the frames: ticks and labels (a label that would run
    past the right edge is left out); web/flamegraph.js redraws it for each zoom."""
    from ..analyze.timeline import time_ticks

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
        options = options or FlameOptions()
        if options.element_id is None:
            # a notebook may show the same graph in several cells: each display its own ids
            options = options.with_(element_id="fk-" + secrets.token_hex(6))
        self.svg = render_svg(profile, options)

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return self.svg.split("?>\n", 1)[-1]  # inline SVG: no XML declaration

    def __str__(self) -> str:
        return self.svg


# -- outputs for `convert --to` ---------------------------------------------------------------


def render_svg_bytes(profile: Profile, options: FlameOptions | None = None, **changes) -> bytes:
    """The SVG of :func:`render_svg` (``FlameOptions`` fields as keywords)."""
    return render_svg(profile, (options or FlameOptions()).with_(**changes)).encode("utf-8")


def render_html_bytes(profile: Profile, options: FlameOptions | None = None, **changes) -> bytes:
    """The page of :func:`render_html` (``FlameOptions`` fields as keywords)."""
    return render_html(profile, (options or FlameOptions()).with_(**changes)).encode("utf-8")
