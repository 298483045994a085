"""`GET /status` (a self-refreshing HTML page) and `GET /status.json`: the facts of `connec-sync
status`, read-only, server-rendered, every value escaped. A broker that is down is shown, not a 5xx.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Any

import falcon

from connec_sync import logs
from operators.activity import activity_facts, activity_section
from operators.status import status_facts
from operators.trace_page import search_form

Facts = Callable[[], dict[str, Any]]

#: the catalogue of shared entities (operators/entities_page.py), linked from the page
ENTITIES_PATH = "/entities"
#: seconds between the page's own refreshes
REFRESH_S = 5
#: seconds the facts are reused: several viewers do not each query the broker and the store
FACTS_MAX_AGE_S = 2.0

log = logs.get_logger(__name__)


def add_status_routes(app: falcon.App, facts: Facts) -> None:
    app.add_route("/status", HtmlPage(facts, render_page))
    app.add_route("/status.json", StatusJson(facts))


def live_facts(settings: Any, store: Any) -> Facts:
    """The real facts (broker and store) and the last hour's activity (operators.activity),
    reused for FACTS_MAX_AGE_S."""
    return reused(
        lambda: status_facts(settings, store) | {"activity": activity_facts(store)},
        FACTS_MAX_AGE_S,
    )


def reused(facts: Facts, max_age_s: float, clock: Callable[[], float] = time.monotonic) -> Facts:
    """`facts`, called again only once its last answer is older than `max_age_s`."""
    lock = threading.Lock()
    last: list[Any] = [-max_age_s - 1.0, {}]  # when, what

    def read() -> dict[str, Any]:
        with lock:
            if clock() - last[0] > max_age_s:
                last[1], last[0] = facts(), clock()
            return dict(last[1])

    return read


def safe_facts(facts: Facts) -> tuple[dict[str, Any] | None, str | None]:
    """The facts, or None and what went wrong (logged): the page itself never fails."""
    try:
        return facts(), None
    except Exception as error:  # noqa: BLE001 - a status page reports failures, it does not raise
        log.exception("status_facts_failed", error=repr(error))
        return None, f"status unavailable: {error!r}"


class StatusJson:
    def __init__(self, facts: Facts) -> None:
        self._facts = facts

    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        facts, problem = safe_facts(self._facts)
        resp.content_type = falcon.MEDIA_JSON
        resp.cache_control = ["no-store"]
        if facts is None:  # the store failed: an unreachable broker is a fact, not a failure
            resp.status = falcon.HTTP_503
        resp.text = json.dumps(facts if facts is not None else {"error": problem}, default=str)


class HtmlPage:
    """A page rendered from facts; when they fail, `render` shows the problem, answered with
    `unavailable_status` (None: 200, as the status page does, so it still shows the broker)."""

    def __init__(
        self,
        facts: Facts,
        render: Callable[[dict[str, Any] | None, str | None], str],
        unavailable_status: str | None = None,
    ) -> None:
        self._facts, self._render, self._unavailable = facts, render, unavailable_status

    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        facts, problem = safe_facts(self._facts)
        resp.content_type = falcon.MEDIA_HTML
        resp.cache_control = ["no-store"]
        if facts is None and self._unavailable:
            resp.status = self._unavailable
        resp.text = self._render(facts, problem)


STYLE = """
body{font:15px/1.4 system-ui,sans-serif;margin:24px;color:#1d2430;background:#f6f7f9}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.meta{color:#5b6472;margin-bottom:14px}.banner{padding:10px 14px;border-radius:6px;
font-weight:600;margin:10px 0}.down{background:#fde2e1;color:#9b1c1c;border:1px solid #f5a3a0}
.up{background:#e3f6e8;color:#185c2e;border:1px solid #9fd8b0}
table{border-collapse:collapse;background:#fff;margin-bottom:8px;min-width:60%}
th,td{border:1px solid #d9dde3;padding:5px 9px;text-align:left;vertical-align:top}
th{background:#eceff3;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.zero{color:#9aa3af}.warn{background:#fff4d6;color:#7a4f00;font-weight:600}
.bad{background:#fde2e1;color:#9b1c1c;font-weight:600}.ok{color:#185c2e}
svg.chart{display:block;background:#fbfcfd}td .n{font-size:12px;color:#5b6472}
.org{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:10px 14px;margin:10px 0}
"""


#: reloads the page every few seconds unless a trace search is being typed (the box has the
#: focus or text); without JavaScript, the meta refresh in <noscript> reloads it regardless
_REFRESH_SCRIPT = (
    "<script>setInterval(function(){"
    "var box=document.querySelector('form.trace input[name=id]');"
    "if(box&&(box.value||document.activeElement===box))return;"
    "location.reload()},%d)</script>"
)


def refreshing(every_s: int) -> str:
    """What makes the page refresh itself every `every_s` seconds, sparing a half-typed search."""
    meta = f'<noscript><meta http-equiv="refresh" content="{every_s}"></noscript>'
    return meta + _REFRESH_SCRIPT % (every_s * 1000)


def render_page(facts: dict[str, Any] | None, problem: str | None = None) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    head = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"{refreshing(REFRESH_S)}"
        f"<title>connec-sync status</title><style>{STYLE}</style></head><body>"
        f"<h1>connec-sync status</h1>"
        f'<div class="meta">{escape(now)} &middot; refreshes every {REFRESH_S} s &middot; '
        f'<a href="{ENTITIES_PATH}">shared entities</a></div>' + search_form()
    )
    if facts is None:
        return head + f'<div class="banner down">{escape(problem or "status unavailable")}</div>'
    body = _broker_banner(facts) + activity_section(facts.get("activity"))
    body += _routes_section(facts["routes"])
    return head + body + _organizations_section(facts["organizations"]) + "</body></html>"


def _broker_banner(facts: dict[str, Any]) -> str:
    broker = escape(str(facts["broker"]))
    if not facts["broker_reachable"]:
        error = escape(str(facts.get("broker_error") or ""))
        return f'<div class="banner down">broker unreachable: {broker} &mdash; {error}</div>'
    unacked = "" if facts.get("unacked_known") else " (unacked counts unknown: ?)"
    warnings = "".join(
        f'<div class="banner down">{escape(warning)}</div>'
        for warning in facts.get("replica_warnings", [])
    )
    return f'<div class="banner up">broker reachable: {broker}{escape(unacked)}</div>{warnings}'


def _routes_section(routes: list[dict[str, Any]]) -> str:
    tiers = [t["delay_s"] for t in routes[0]["retry"]] if routes else []
    header = ["entity", "direction", "live ready / unacked", "backfill"]
    header += [f"retry {delay}s" for delay in tiers]
    header += ["dead-letter queue", "consumers", "dead letters by reason", "replays"]
    rows = "".join(_route_row(route) for route in routes)
    heads = "".join(f"<th>{escape(h)}</th>" for h in header)
    return f"<h2>Queues per entity and direction</h2><table><tr>{heads}</tr>{rows}</table>"


def _route_row(route: dict[str, Any]) -> str:
    work = route.get("work") or {}
    cells = [_text(route["entity"]), _text(route["direction"])]
    cells += [_lane(work, ""), _lane(route.get("backfill"), "")]
    cells += [_lane(tier, "warn") for tier in route["retry"]]
    cells.append(_lane(route.get("dead"), "bad"))
    cells.append(_consumers(work))
    cells.append(_tally(route["dead_letters"], "bad"))
    stuck = "warn" if route["replays"].get("replaying") else ""  # an interrupted replay
    cells.append(_tally(route["replays"], stuck))
    return "<tr>" + "".join(cells) + "</tr>"


def _text(value: Any) -> str:
    return f"<td>{escape(str(value))}</td>"


def _lane(counts: dict[str, Any] | None, alarm: str) -> str:
    """`ready / unacked`, with the `alarm` class when the queue holds messages."""
    if not counts or counts.get("ready") is None:
        return '<td class="n zero">&ndash;</td>'
    ready, unacked = counts["ready"], counts.get("unacked")
    css = alarm if ready or unacked else "zero"
    shown = f"{ready} / {'?' if unacked is None else unacked}"
    return f'<td class="n {css}">{escape(shown)}</td>'


def _consumers(work: dict[str, Any]) -> str:
    consumers = work.get("consumers")
    if consumers is None:
        return '<td class="n zero">&ndash;</td>'
    css = "warn" if consumers == 0 and work.get("ready") else ("ok" if consumers else "zero")
    return f'<td class="n {css}">{escape(str(consumers))}</td>'


def _tally(counts: dict[str, int], alarm: str) -> str:
    if not counts:
        return '<td class="zero">none</td>'
    items = ", ".join(f"{escape(str(name))}: {int(n)}" for name, n in sorted(counts.items()))
    return f'<td class="{alarm}">{items}</td>'


def _organizations_section(organizations: list[dict[str, Any]]) -> str:
    if not organizations:
        return '<h2>Organizations</h2><p class="zero">no linked organization</p>'
    return "<h2>Organizations</h2>" + "".join(_organization(org) for org in organizations)


def _organization(org: dict[str, Any]) -> str:
    state = "enabled" if org["enabled"] else "disabled"
    title = f"{org['tenant']}/{org['group_id']} \u2194 {org['account']} ({state})"
    runs = _table(
        ["sync run", "mode", "state", "started", "finished", "error"],
        [
            [r["id"], r["mode"], r["state"], r["started_at"], r["finished_at"], r["error"]]
            for r in org["last_runs"]
        ],
        "no sync run yet",
    )
    errors = _table(
        ["entity", "Connec! id", "partner id", "name", "error"],
        [
            [
                e["entity"],
                e["connec_id"],
                e["partner_id"],
                e["name"],
                e["error"] or ("inactive" if e["inactive"] else ""),
            ]
            for e in org["records_with_errors"]
        ],
        "no record in error",
    )
    dropped = _dropped_fields(org.get("dropped_fields") or {})
    return f'<div class="org"><strong>{escape(title)}</strong>{runs}{errors}{dropped}</div>'


def _dropped_fields(dropped: dict[str, Any]) -> str:
    """Records applied with dropped fields: the latest examples, each field and why."""
    rows = [
        [
            e["entity"],
            e["direction"],
            e["record_id"],
            e["name"],
            e["applied_at"],
            "; ".join(f"{f['field']}: {f['reason']}" for f in e["fields"]),
        ]
        for e in dropped.get("latest") or ()
    ]
    counts = ", ".join(
        f"{r['entity']} {r['direction']}: {r['count']}" for r in dropped.get("records") or ()
    )
    heading = "<h3>Records applied with dropped fields" + (
        f" <small>({escape(counts)})</small></h3>" if counts else "</h3>"
    )
    header = ["entity", "direction", "record id", "name", "applied", "fields dropped"]
    return heading + _table(header, rows, "no record applied with dropped fields")


def _table(header: list[str], rows: list[list[Any]], empty: str) -> str:
    """A table whose last column, an error, is red when set."""
    if not rows:
        return f'<p class="zero">{escape(empty)}</p>'
    heads = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cells(row)) + "</tr>" for row in rows)
    return f"<table><tr>{heads}</tr>{body}</table>"


def _cells(row: list[Any]) -> list[str]:
    cells = [_text("" if value is None else value) for value in row[:-1]]
    error = row[-1]
    cells.append(f'<td class="bad">{escape(str(error))}</td>' if error else "<td></td>")
    return cells
