"""The status page's "last hour" section, from lineage (connec_sync.store.lineage): per entity
and direction, records applied per minute and the end-to-end lag p99 per minute as inline
charts, and the top reasons for skips, retries and dead letters."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from html import escape
from typing import Any

from connec_sync.store.lineage import LAG_BOUNDS_MS
from operators.charts import bars, duration

MINUTES = 60
#: reasons shown per entity and direction
TOP_REASONS = 4
#: the lag of the open bucket (beyond the last bound, or unknown), for the p99
BEYOND_MS = float(LAG_BOUNDS_MS[-1]) * 2


def activity_facts(store: Any, now_s: float | None = None) -> dict[str, Any]:
    """`{"minutes": 60, "routes": [{entity, direction, applied_per_minute, lag_p99_ms,
    applied, top_reasons}]}` for the routes that did anything in the last hour."""
    last = int((time.time() if now_s is None else now_s) // 60)
    first = last - MINUTES + 1
    per_route: dict[tuple[str, str], dict[str, Any]] = defaultdict(_empty)
    for row in store.activity.applied(first):
        route = per_route[(row["entity"], row["direction"])]
        if first <= row["minute"] <= last:
            route["buckets"][row["minute"] - first][row["lag_bucket"]] += row["count"]
    for row in store.activity.reasons(first):
        route = per_route[(row["entity"], row["direction"])]
        route["reasons"].append({k: row[k] for k in ("outcome", "reason", "count")})
    routes = [_route(key, found) for key, found in sorted(per_route.items())]
    return {"minutes": MINUTES, "routes": routes}


def _empty() -> dict[str, Any]:
    return {"buckets": [[0] * (len(LAG_BOUNDS_MS) + 1) for _ in range(MINUTES)], "reasons": []}


def _route(key: tuple[str, str], found: dict[str, Any]) -> dict[str, Any]:
    applied = [sum(minute) for minute in found["buckets"]]
    reasons = sorted(found["reasons"], key=lambda r: (-r["count"], r["outcome"], str(r["reason"])))
    return {
        "entity": key[0],
        "direction": key[1],
        "applied_per_minute": applied,
        "lag_p99_ms": [p99(minute) for minute in found["buckets"]],
        "applied": sum(applied),
        "top_reasons": reasons[:TOP_REASONS],
    }


def p99(buckets: list[int]) -> float | None:
    """The upper bound of the bucket holding the 99th percentile (None: nothing applied)."""
    total = sum(buckets)
    if not total:
        return None
    rank, seen = math.ceil(0.99 * total), 0
    for index, count in enumerate(buckets):
        seen += count
        if seen >= rank:
            return float(LAG_BOUNDS_MS[index]) if index < len(LAG_BOUNDS_MS) else BEYOND_MS
    return BEYOND_MS


def activity_section(activity: dict[str, Any] | None) -> str:
    """The HTML section (empty when the facts carry no activity)."""
    if activity is None:
        return ""
    title = f"<h2>Last {activity['minutes']} minutes</h2>"
    if not activity["routes"]:
        return title + '<p class="zero">nothing applied, skipped or retried in the last hour</p>'
    heads = ["entity", "direction", "applied per minute", "lag p99 per minute", "top reasons"]
    rows = "".join(_row(route) for route in activity["routes"])
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    return f"{title}<table><tr>{head}</tr>{rows}</table>"


def _row(route: dict[str, Any]) -> str:
    name = f"{route['entity']} {route['direction']}"
    applied = route["applied_per_minute"]
    lag = route["lag_p99_ms"]
    latest_lag = next((value for value in reversed(lag) if value is not None), None)
    applied_cell = (
        bars(applied, f"{name}: records applied per minute, last hour")
        + f'<div class="n">{route["applied"]} applied, {applied[-1]}/min now</div>'
    )
    lag_cell = (
        bars(lag, f"{name}: end-to-end lag p99 per minute, last hour", color="#b86e00")
        + f'<div class="n">p99 now &le; {escape(duration(latest_lag))}</div>'
    )
    cells = [escape(route["entity"]), escape(route["direction"]), applied_cell, lag_cell]
    cells.append(_reasons(route["top_reasons"]))
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _reasons(reasons: list[dict[str, Any]]) -> str:
    if not reasons:
        return '<span class="zero">none</span>'
    css = {"skipped": "", "retried": "warn", "dead_lettered": "bad"}
    return "<br>".join(
        f'<span class="{css.get(r["outcome"], "")}">{escape(r["outcome"])} '
        f"{escape(str(r['reason']))}: {int(r['count'])}</span>"
        for r in reasons
    )
