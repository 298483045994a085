"""The rows of lineage (consumers.lineage): one per settled delivery (what was received, how it
was delivered, what came of it) and one per link-back answered. Built on the recorder's thread,
never on the worker's; `connec-sync trace` unfolds a row into its steps (operators.trace)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consumers.outcomes import DROPPED_FIELDS
from consumers.runtime.reporting import record_id
from consumers.verdicts import APPLIED, RETRIED, Verdict
from schemas.envelope import Envelope

DELIVERY, LINKED_BACK = "delivery", "linked_back"


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


def delivery_row(item: Settled) -> dict[str, Any]:
    verdict, envelope = item.verdict, item.envelope
    first = envelope is not None and envelope.attempts == 0 and not item.redelivered
    facts: dict[str, Any] = {"lane": item.lane, "redelivered": item.redelivered}
    error = verdict.error or verdict.details.get("error")
    if error:
        facts["error"] = error
    if "organization" in verdict.details:  # a skip for an organization not linked or disabled
        facts["organization"] = verdict.details["organization"]
    if first:
        assert envelope is not None
        facts |= {"origin": envelope.origin, "action": envelope.action}
    if verdict.outcome == RETRIED:
        facts |= {"delay_s": verdict.delay_s, "retry_after": verdict.retry_after}
        facts["requeue"] = verdict.requeue
    if verdict.outcome == APPLIED:
        facts |= _applied(verdict)
    lag_ms = _lag_ms(envelope, item.at) if verdict.outcome == APPLIED else None
    return _ids(item) | {
        "at": item.at,
        "minute": minute_of(item.at),
        "lag_ms": lag_ms,
        "step": DELIVERY,
        "outcome": verdict.outcome,
        "reason": verdict.reason,
        "duration_ms": round(item.duration_s * 1000),
        "received_at": _parsed(envelope.received_at, item.at) if first and envelope else None,
        "envelope": item.body.decode("utf-8", "replace") if first else None,
        "details": facts,
    }


def link_back_row(
    entity: str, connec_id: str, outcome: str, error: str | None, at: datetime
) -> dict[str, Any]:
    """Connec! answered a record's link-back: `accepted`, or `refused` with the error."""
    return {
        "at": at,
        "minute": minute_of(at),
        "lag_ms": None,
        "message_id": None,
        "entity": entity,
        "direction": "to-app",
        "owner": None,
        "connec_id": connec_id,
        "partner_id": None,
        "version": None,
        "step": LINKED_BACK,
        "outcome": outcome,
        "reason": None if error is None else "link_back_refused",
        "attempt": None,
        "duration_ms": None,
        "received_at": None,
        "envelope": None,
        "details": {"error": error} if error else {},
    }


def _ids(item: Settled) -> dict[str, Any]:
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
        "attempt": (envelope.attempts if envelope else 0) + 1,
    }


def _applied(verdict: Verdict) -> dict[str, Any]:
    trail, details = verdict.trail, verdict.details
    other = details.get("partner_id") if trail.get("target") == "partner" else None
    written = {
        "target": trail.get("target"),
        "method": trail.get("method"),
        "status": details.get("status"),
        "idempotency_key": trail.get("idempotency_key"),
        "other_id": other if other is not None else details.get("connec_id"),
        "body": trail.get("body"),
    }
    dropped = trail.get("dropped") or details.get(DROPPED_FIELDS) or ()
    return {"written": written, "dropped": list(dropped)}


def minute_of(at: datetime) -> int:
    """Minutes since the epoch (the status page's charts count per minute)."""
    return int(at.timestamp() // 60)


def _lag_ms(envelope: Envelope | None, at: datetime) -> int | None:
    if envelope is None or envelope.updated_at is None:
        return None
    changed = _parsed(envelope.updated_at, at)
    if changed.tzinfo is None:
        return None
    return max(0, round((at - changed).total_seconds() * 1000))


def _parsed(text: str, default: datetime) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return default
