"""Small inline charts for the status page: server-rendered SVG, no JavaScript, no front-end
build; every label escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 240, 40


def bars(values: Sequence[float | None], label: str, color: str = "#2f6fb0") -> str:
    """One bar per value (None: no bar), scaled to the largest; `label` names the chart for
    screen readers and as its tooltip."""
    top = max((v for v in values if v is not None), default=0) or 1
    step = WIDTH / max(len(values), 1)
    rects = []
    for index, value in enumerate(values):
        if not value:
            continue
        high = max(1.0, HEIGHT * value / top)
        x, y = index * step, HEIGHT - high
        rects.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(step - 1, 1):.1f}" '
            f'height="{high:.1f}" fill="{color}"/>'
        )
    axis = f'<line x1="0" y1="{HEIGHT - 0.5}" x2="{WIDTH}" y2="{HEIGHT - 0.5}" stroke="#c5cbd3"/>'
    return (
        f'<svg class="chart" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f"{axis}{''.join(rects)}</svg>"
    )


def duration(ms: float | None) -> str:
    """A lag for people: `850 ms`, `2.5 s`, `4 min`, `> 1 h`."""
    if ms is None:
        return "–"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    if ms <= 3_600_000:
        return f"{ms / 60_000:.0f} min"
    return "> 1 h"
