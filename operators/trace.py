"""A record's journey, from its lineage (connec_sync.store.lineage), for `connec-sync trace`
and the status page's search: every event in time order, both directions, the state of the
record's link, and when it is stuck the one line that says why."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

#: what came of a delivery: the last one tells where the record stands
OUTCOME_STEPS = ("written", "skipped", "retried", "dead_lettered")
#: skips that are the normal course of things, not a record held back
ROUTINE_SKIPS = ("stale", "echo", "unchanged", "superseded")
#: every step an event may have, in the order of a record's journey
STEPS = (
    "received",
    "delivered",
    "mapped",
    "written",
    "linked_back",
    "skipped",
    "retried",
    "dead_lettered",
    "acked",
)
#: what a lineage row's event keeps of the row
KEPT = ("message_id", "entity", "direction", "owner", "connec_id", "partner_id", "version")


def trace(
    store: Any,
    *,
    connec_id: str | None = None,
    partner_id: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """`{"record": {...}, "events": [...]}` for the record holding either id, or the record of
    that message; the ids seen in its events and its link are followed once (the other side's
    id joins the journey)."""
    lineage = store.lineage
    connec, partner = _ids(connec_id), _ids(partner_id)
    messages = _ids(message_id)
    found = lineage.events(connec_ids=connec, partner_ids=partner, message_ids=messages)
    connec |= {e["connec_id"] for e in found if e["connec_id"]}
    partner |= {e["partner_id"] for e in found if e["partner_id"]}
    links = lineage.links(connec, partner) if connec or partner else []
    for link in links:
        connec |= _ids(link["connec_id"])
        partner |= _ids(link["partner_id"])
    rows = lineage.events(connec_ids=connec, partner_ids=partner, message_ids=messages)
    events = sorted(
        (event for row in rows for event in unfold(row)),
        key=lambda e: (e["at"], STEPS.index(e["step"])),
    )
    link = links[0] if links else None
    return {"record": record_of(events, link), "events": [event_json(e) for e in events]}


def unfold(row: dict[str, Any]) -> list[dict[str, Any]]:
    """A lineage row (one delivery, or one link-back) as the steps of the journey."""
    base = {key: row[key] for key in KEPT} | {"attempt": row["attempt"], "duration_ms": None}
    facts, at = row["details"], row["at"]
    if row["step"] == "linked_back":
        return [_event(base, at, "linked_back", row["outcome"], row["reason"], facts)]
    events = []
    if row["received_at"] is not None:
        origin = {k: facts.get(k) for k in ("origin", "action", "lane")}
        events.append(_event(base, row["received_at"], "received", None, None, origin))
    started = at - timedelta(milliseconds=row["duration_ms"] or 0)
    delivered = {"lane": facts.get("lane"), "redelivered": facts.get("redelivered")}
    outcome, reason = row["outcome"], row["reason"]
    events.append(
        _event(base, started, "delivered", outcome, reason, delivered)
        | {"duration_ms": row["duration_ms"]}
    )
    return events + _what_came_of_it(base, at, outcome, reason, facts)


def _what_came_of_it(
    base: dict[str, Any], at: Any, outcome: str, reason: str | None, facts: dict[str, Any]
) -> list[dict[str, Any]]:
    if outcome == "applied":
        written = facts.get("written") or {}
        return [
            _event(base, at, "mapped", "mapped", None, {"dropped": facts.get("dropped") or []}),
            _event(base, at, "written", written.get("status"), None, written),
            _event(base, at, "acked", "acked", None, {}),
        ]
    error = {"error": facts.get("error")}
    if facts.get("organization"):
        error["organization"] = facts["organization"]
    if outcome == "skipped":
        return [
            _event(base, at, "skipped", outcome, reason, error),
            _event(base, at, "acked", "acked", None, {}),
        ]
    if outcome == "retried":
        retry = {k: facts.get(k) for k in ("delay_s", "retry_after", "requeue")}
        if facts.get("delay_s") is not None:
            retry["until"] = _iso(at + timedelta(seconds=facts["delay_s"]))
        return [_event(base, at, "retried", outcome, reason, error | retry)]
    return [_event(base, at, "dead_lettered", outcome, reason, error)]


def _event(
    base: dict[str, Any], at: Any, step: str, outcome: Any, reason: Any, details: dict[str, Any]
) -> dict[str, Any]:
    return (
        base | {"at": at, "step": step, "outcome": outcome, "reason": reason} | {"details": details}
    )


def record_of(events: list[dict[str, Any]], link: dict[str, Any] | None) -> dict[str, Any]:
    """The record as the link and the events know it, and why it is stuck (None: it is not)."""
    last = events[-1] if events else {}
    facts = link or {}
    return {
        "entity": facts.get("entity") or last.get("entity"),
        "connec_id": facts.get("connec_id") or _last(events, "connec_id"),
        "partner_id": facts.get("partner_id") or _last(events, "partner_id"),
        "name": facts.get("name"),
        "link": link_state(link),
        "last_error": facts.get("last_error"),
        "to_app_version": facts.get("to_app_version"),
        "to_connec_version": facts.get("to_connec_version"),
        "why_stuck": why_stuck(events, link),
    }


def link_state(link: dict[str, Any] | None) -> str:
    if link is None:
        return "not linked"
    if link["inactive"]:
        return "inactive"
    if link["connec_id"] is None or link["partner_id"] is None:
        return "half linked (one side's id only)"
    if link["pending_link_back"] is not None:
        return "linked, link-back to Connec! pending"
    return "linked"


def why_stuck(events: list[dict[str, Any]], link: dict[str, Any] | None) -> str | None:
    """One line: why the record's last change has not reached the other side, or None."""
    if link is not None and link["inactive"]:
        return f"inactive: {link['last_error'] or 'deleted on one side'}"
    last = next((e for e in reversed(events) if e["step"] in OUTCOME_STEPS), None)
    if last is None:
        return "received, waiting in its queue" if events else "no lineage kept for this record"
    if last["step"] == "dead_lettered":
        return f"dead-lettered as {last['reason']}: {_error_text(last['details'].get('error'))}"
    if last["step"] == "retried":
        return _retry_line(last)
    if last["step"] == "skipped" and last["reason"] not in ROUTINE_SKIPS:
        error, organization = last["details"].get("error"), last["details"].get("organization")
        where = f" (organization {organization})" if organization else ""
        return f"skipped as {last['reason']}{where}" + (f": {error}" if error else "")
    if link is not None and link["pending_link_back"] is not None and link["link_back_tries"]:
        tries, due = link["link_back_tries"], _iso(link["link_back_due"])
        return f"link-back to Connec! failed {tries} times; next try at {due}"
    return link["last_error"] if link is not None else None


def _retry_line(event: dict[str, Any]) -> str:
    details = event["details"]
    error, until = str(details.get("error") or ""), details.get("until")
    then = f" until {until}" if until else ""
    if event["reason"] == "missing_reference":
        return f"waiting for a missing reference: {error}{then}"
    if error.startswith("429"):
        return f"paused by 429{then}"
    return f"retried as {event['reason']} (attempt {event['attempt']}): {error}{then}"


def _error_text(error: Any) -> str:
    """An `invalid` error's fields (`field name: message`), else the error as it is."""
    try:
        fields = json.loads(error) if isinstance(error, str) else None
    except ValueError:
        fields = None
    if not isinstance(fields, dict) or not fields:
        return str(error or "")
    return "; ".join(f"field {name} ({_messages(text)})" for name, text in sorted(fields.items()))


def _messages(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else json.dumps(value)


def event_json(event: dict[str, Any]) -> dict[str, Any]:
    shown = dict(event["details"])
    keys = ("direction", "message_id", "attempt", "duration_ms", "owner", "version")
    return {
        "at": _iso(event["at"]),
        "step": event["step"],
        "outcome": event["outcome"],
        "reason": event["reason"],
        **{key: event[key] for key in keys},
        "connec_id": event["connec_id"],
        "partner_id": event["partner_id"],
        **shown,
    }


def render_text(found: dict[str, Any]) -> str:
    """The journey as lines for a terminal."""
    record = found["record"]
    title = f"{record['entity']}  Connec! {record['connec_id']} <-> partner {record['partner_id']}"
    name = f"  {record['name']!r}" if record["name"] else ""
    why = record["why_stuck"]
    lines = [title + name, f"link: {record['link']}", f"stuck: {why}" if why else "not stuck"]
    lines += [_event_line(event) for event in found["events"]]
    return "\n".join(lines)


def _event_line(event: dict[str, Any]) -> str:
    facts = [event["outcome"], event["reason"]]
    if event["step"] == "received":
        facts += [event.get("origin"), event.get("action")]
    if event["step"] == "written":
        facts += [event.get("method"), event.get("target"), event.get("other_id")]
    if event.get("duration_ms") is not None and event["step"] == "delivered":
        facts += [f"attempt {event['attempt']}", f"{event['duration_ms']} ms"]
    if event.get("error"):
        facts.append(str(event["error"])[:200])
    shown = "  ".join(str(f) for f in facts if f not in (None, ""))
    return f"{event['at']}  {event['direction']:<9}  {event['step']:<13}  {shown}"


def _ids(value: str | None) -> set[str]:
    return {str(value)} if value not in (None, "") else set()


def _last(events: list[dict[str, Any]], key: str) -> str | None:
    return next((e[key] for e in reversed(events) if e[key]), None)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    text = value.isoformat(timespec="milliseconds") if hasattr(value, "isoformat") else str(value)
    return text.replace("+00:00", "Z")
