"""A small HTML summary of a profile (facts and top functions), for notebooks."""

from __future__ import annotations

from ..analyze.weights import top_functions
from ..core.idle import idle_weight
from ..core.model import Profile
from ..resources import jinja_environment
from ..units import format_duration_ns, format_percent, format_weight


def render_summary_html(profile: Profile, n: int = 10) -> str:
    """An HTML fragment: the profile's facts and its ``n`` heaviest functions by self weight."""
    meta = profile.meta
    total = profile.total_weight()
    facts = [
        ("format", meta.source_format),
        ("samples", f"{profile.sample_count():,}"),
        ("total", format_weight(total, meta.unit)),
    ]
    if meta.duration_ns:
        facts.append(("duration", format_duration_ns(meta.duration_ns)))
    idle = idle_weight(profile)
    if idle:
        facts.append(("idle", f"{format_weight(idle, meta.unit)} ({format_percent(idle, total)})"))
    facts.append(("threads", f"{len(profile.threads):,}"))
    rows = [
        {
            "self": format_weight(s.self, meta.unit),
            "self_pct": format_percent(s.self, total),
            "total": format_weight(s.total, meta.unit),
            "total_pct": format_percent(s.total, total),
            "name": s.label or s.name,
        }
        for s in top_functions(profile, n)
    ]
    title = f"flamekit profile {meta.name}".strip()
    return (
        jinja_environment()
        .get_template("summary.html.j2")
        .render(title=title, facts=facts, functions=rows)
    )
