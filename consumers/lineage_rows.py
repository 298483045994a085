"""The rows of lineage (consumers.lineage): what one settled delivery, or one link-back, adds to
its record's journey. Built on the recorder's thread, never on the worker's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from consumers.runtime.reporting import record_id
from consumers.verdicts import APPLIED, DEAD_LETTERED, RETRIED, SKIPPED, Verdict
from schemas.envelope import Envelope

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


@dataclass(frozen=True)
class Settled:
    """A settled delivery, as the worker handed it over."""

    entity: str
    direction: str
    lane: str
    message_id: str | None
    redelivered: bool
    body: bytes
    envelope: Envelope | None
    verdict: Verdict
    duration_s: float
    at: datetime


def delivery_rows(item: Settled) -> list[dict[str, Any]]:
    """received (a message's first delivery), delivered, then what came of it."""
    base = _base(item)
    verdict, envelope = item.verdict, item.envelope
    started = item.at - timedelta(seconds=item.duration_s)
    rows = []
    if envelope is not None and envelope.attempts == 0 and not item.redelivered:
        rows.append(_received(base, envelope, item))
    delivered = {"lane": item.lane, "redelivered": item.redelivered}
    rows.append(
        base
        | {"at": started, "step": "delivered", "outcome": verdict.outcome}
        | {"reason": verdict.reason, "duration_ms": round(item.duration_s * 1000)}
        | {"details": delivered}
    )
    return rows + _outcome_rows(base | {"at": item.at}, verdict)


def link_back_row(
    entity: str, connec_id: str, outcome: str, error: str | None, at: datetime
) -> dict[str, Any]:
    """Connec! answered a record's link-back: `accepted`, or `refused` with the error."""
    return {
        "at": at,
        "message_id": None,
        "entity": entity,
        "direction": "to-app",
        "owner": None,
        "connec_id": connec_id,
        "partner_id": None,
        "version": None,
        "step": "linked_back",
        "outcome": outcome,
        "reason": None if error is None else "link_back_refused",
        "attempt": None,
        "duration_ms": None,
        "details": {"error": error} if error else {},
    }


def _base(item: Settled) -> dict[str, Any]:
    envelope, details = item.envelope, item.verdict.details
    source_id = record_id(envelope)
    to_app = item.direction == "to-app"
    connec_id = source_id if to_app else details.get("connec_id")
    partner_id = details.get("partner_id") if to_app else source_id
    return {
        "message_id": item.message_id,
        "entity": item.entity,
        "direction": item.direction,
        "owner": (envelope.group_id or envelope.account) if envelope else None,
        "connec_id": None if connec_id is None else str(connec_id),
        "partner_id": None if partner_id is None else str(partner_id),
        "version": envelope.updated_at if envelope else None,
        "outcome": None,
        "reason": None,
        "attempt": (envelope.attempts if envelope else 0) + 1,
        "duration_ms": None,
    }


def _received(base: dict[str, Any], envelope: Envelope, item: Settled) -> dict[str, Any]:
    facts = {"origin": envelope.origin, "action": envelope.action, "lane": item.lane}
    return base | {
        "at": _parsed(envelope.received_at, item.at),
        "step": "received",
        "details": facts | {"envelope": item.body.decode("utf-8", "replace")},
    }


def _outcome_rows(base: dict[str, Any], verdict: Verdict) -> list[dict[str, Any]]:
    if verdict.outcome == APPLIED:
        return _applied_rows(base, verdict)
    facts: dict[str, Any] = {"error": verdict.error or verdict.details.get("error")}
    if verdict.outcome == SKIPPED:
        skipped = base | {"step": "skipped", "outcome": SKIPPED, "reason": verdict.reason}
        return [skipped | {"details": facts}, _acked(base)]
    if verdict.outcome == RETRIED:
        facts |= {"delay_s": verdict.delay_s, "retry_after": verdict.retry_after}
        if verdict.delay_s is not None:
            facts["until"] = (base["at"] + timedelta(seconds=verdict.delay_s)).isoformat()
        facts["requeue"] = verdict.requeue
    step = "retried" if verdict.outcome == RETRIED else DEAD_LETTERED
    return [
        base
        | {"step": step, "outcome": verdict.outcome, "reason": verdict.reason}
        | {"details": facts}
    ]


def _applied_rows(base: dict[str, Any], verdict: Verdict) -> list[dict[str, Any]]:
    trail, details = verdict.trail, verdict.details
    dropped = trail.get("dropped") or details.get("dropped_fields") or []
    other = details.get("partner_id") if trail.get("target") == "partner" else None
    written = {
        "target": trail.get("target"),
        "method": trail.get("method"),
        "status": details.get("status"),
        "idempotency_key": trail.get("idempotency_key"),
        "other_id": other if other is not None else details.get("connec_id"),
        "body": trail.get("body"),
    }
    return [
        base | {"step": "mapped", "outcome": "mapped", "details": {"dropped": list(dropped)}},
        base | {"step": "written", "outcome": details.get("status"), "details": written},
        _acked(base),
    ]


def _acked(base: dict[str, Any]) -> dict[str, Any]:
    return base | {"step": "acked", "outcome": "acked", "details": {}}


def _parsed(text: str, default: datetime) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return default
