"""`GET /trace?id=ID` on the operator port: the status page's search box, showing one record's
journey (operators.trace) for a Connec! id, a partner id or a message id. Server-rendered,
every value escaped, no JavaScript."""

from __future__ import annotations

import json
from html import escape
from typing import Any

import falcon

from operators.trace import trace

#: the columns of the events table, and the facts folded into its last one
COLUMNS = ("at", "direction", "step", "outcome", "reason", "attempt", "duration_ms")
NOT_SHOWN = {*COLUMNS, "message_id", "owner", "version", "connec_id", "partner_id", "body"}

STYLE = """
body{font:15px/1.4 system-ui,sans-serif;margin:24px;color:#1d2430;background:#f6f7f9}
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #d9dde3;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#eceff3}.stuck{background:#fde2e1;color:#9b1c1c;
font-weight:600;padding:8px 12px;border-radius:6px}.fine{color:#185c2e;font-weight:600}
form.trace{margin:8px 0 16px}form.trace input[type=search]{width:22em;padding:4px}
"""


def search_form(value: str = "") -> str:
    """The search box, on the status page and on the trace page."""
    box = (
        '<input type="search" name="id" style="width:22em" '
        f'placeholder="Connec! id, partner id or message id" value="{escape(value)}">'
    )
    return (
        '<form class="trace" method="get" action="/trace">'
        f'<label>Trace a record: {box}</label> <button type="submit">trace</button></form>'
    )


class TracePage:
    def __init__(self, store: Any) -> None:
        self._store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        wanted = (req.get_param("id") or "").strip()
        resp.content_type = falcon.MEDIA_HTML
        resp.cache_control = ["no-store"]
        found = find(self._store, wanted) if wanted else None
        resp.text = render_trace_page(wanted, found)


def find(store: Any, wanted: str) -> dict[str, Any]:
    """The trace of the record holding `wanted` as a Connec! id, else a partner id, else the
    record of that message."""
    for key in ("connec_id", "partner_id", "message_id"):
        found = trace(store, **{key: wanted})
        if found["events"] or found["record"]["link"] != "not linked":
            return found
    return found


def render_trace_page(wanted: str, found: dict[str, Any] | None) -> str:
    head = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>connec-sync trace</title><style>{STYLE}</style></head><body>"
        '<h1>Trace</h1><p><a href="/status">&larr; status</a></p>' + search_form(wanted)
    )
    if found is None:
        return head + "</body></html>"
    if not found["events"] and found["record"]["link"] == "not linked":
        return head + f"<p>nothing is known of {escape(wanted)}</p></body></html>"
    return head + _record(found["record"]) + _events(found["events"]) + "</body></html>"


def _record(record: dict[str, Any]) -> str:
    title = (
        f"{record['entity']}: Connec! {record['connec_id']} \u2194 partner {record['partner_id']}"
    )
    name = f" ({record['name']})" if record["name"] else ""
    why = record["why_stuck"]
    state = f'<p class="stuck">stuck: {escape(why)}</p>' if why else '<p class="fine">not stuck</p>'
    return f"<h2>{escape(title + name)}</h2><p>link: {escape(record['link'])}</p>{state}"


def _events(events: list[dict[str, Any]]) -> str:
    heads = "".join(f"<th>{escape(c)}</th>" for c in (*COLUMNS, "facts"))
    rows = "".join(_row(event) for event in events)
    return f"<table><tr>{heads}</tr>{rows}</table>"


def _row(event: dict[str, Any]) -> str:
    cells = ["" if event.get(c) is None else str(event[c]) for c in COLUMNS]
    facts = {k: v for k, v in event.items() if k not in NOT_SHOWN and v not in (None, "", [])}
    cells.append(json.dumps(facts, default=str)[:600] if facts else "")
    return "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>"
