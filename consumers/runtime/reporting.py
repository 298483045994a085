"""The one log line per message, and its metrics."""

from __future__ import annotations

from typing import Any

from connec_sync import logs
from connec_sync.broker import Delivery
from consumers import metrics
from consumers.outcomes import UNEXPECTED_ERROR
from consumers.verdicts import DEAD_LETTERED, Verdict
from schemas.envelope import Envelope


def report(
    delivery: Delivery, envelope: Envelope | None, verdict: Verdict, duration_s: float
) -> None:
    """Log `record_<outcome>` with the message's facts, and count it.

    `attempts` is the number of tries made so far, this one included (as in x-attempts)."""
    route = delivery.route
    fields: dict[str, Any] = {
        **verdict.details,  # first, so a detail never hides one of the facts below
        "message_id": delivery.message_id,
        "entity": route.entity,
        "direction": route.direction,
        "lane": delivery.lane,
        "group_id": envelope.group_id if envelope else None,
        "record_id": record_id(envelope),
        "outcome": verdict.outcome,
        "reason": verdict.reason,
        "attempts": (envelope.attempts if envelope else 0) + 1,
        "duration_ms": round(duration_s * 1000, 1),
    }
    if verdict.error is not None and verdict.exception is None:
        fields["error"] = verdict.error
    if verdict.delay_s is not None:
        fields["retry_in_s"] = verdict.delay_s
    if verdict.exception is not None:
        fields["exc_info"] = verdict.exception
    _log_at_level(verdict)(f"record_{verdict.outcome}", **fields)
    metrics.count(route, verdict, envelope)


def _log_at_level(verdict: Verdict) -> Any:
    log = logs.cached_logger("consumers")
    if verdict.reason == UNEXPECTED_ERROR or verdict.exception is not None:
        return log.error
    return log.warning if verdict.outcome == DEAD_LETTERED else log.info


def record_id(envelope: Envelope | None) -> str | None:
    """The record's id at its source: the Connec! id of a Connec! record, else the app's id."""
    if envelope is None:
        return None
    ids = envelope.record.get("id")
    if isinstance(ids, list):
        ours = [
            entry for entry in ids if isinstance(entry, dict) and entry.get("provider") == "connec"
        ]
        chosen = (ours or ids or [None])[0]
        return str(chosen.get("id")) if isinstance(chosen, dict) else None
    return None if ids is None else str(ids)
