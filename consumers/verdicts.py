"""Turning what a handler returned or raised into a verdict: the message's outcome and why.

Pure: no broker, no clock (`opened` decodes a delivery's body first). `Settler` carries the
verdict out; see consumers.outcomes for the table.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connec_sync.clients.errors import PermanentTargetError, TransientTargetError
from connec_sync.naming import Route
from consumers.outcomes import (
    PERMANENT_ERROR,
    RETRIES_EXHAUSTED,
    TRANSIENT_ERROR,
    UNDECODABLE,
    UNEXPECTED_ERROR,
    Applied,
    Deferred,
    Handler,
    Rejected,
    Skip,
    Skipped,
)
from schemas.envelope import Envelope, UndecodableMessage, decode

APPLIED, SKIPPED, RETRIED, DEAD_LETTERED = "applied", "skipped", "retried", "dead_lettered"


@dataclass(frozen=True)
class Verdict:
    """`outcome` is applied, skipped, retried or dead_lettered; `requeue` marks a retry left to
    the broker (reject + requeue, bounded by the delivery limit) instead of a delay tier."""

    outcome: str
    reason: str | None = None
    error: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    retry_after: float | None = None
    requeue: bool = False
    exception: BaseException | None = None
    #: the delay tier chosen for a retry, filled in by the settler
    delay_s: int | None = None
    #: an applied record's facts for its lineage (consumers.outcomes.Applied.trail)
    trail: Mapping[str, Any] = field(default_factory=dict)


def dead_letter(reason: str, error: str) -> Verdict:
    return Verdict(DEAD_LETTERED, reason, error)


def opened(body: bytes, route: Route, lane: str) -> tuple[Envelope | None, Verdict | None]:
    """A delivery's envelope, and the verdict when it cannot be applied: undecodable, or an
    envelope for another route than the queue's."""
    try:
        envelope = decode(body)
    except UndecodableMessage as error:
        return None, dead_letter(UNDECODABLE, str(error))
    if (envelope.entity, envelope.direction) != (route.entity, route.direction):
        where = f"{envelope.entity} {envelope.direction}"
        return envelope, dead_letter(
            UNDECODABLE, f"an envelope for {where} on {route.work_queue(lane)}"
        )
    return envelope, None


def judge(handler: Handler, envelope: Envelope, max_attempts: int) -> Verdict:
    """Call the handler once and sort the result; only BaseExceptions (exit, interrupt) escape."""
    try:
        return _from_outcome(handler(envelope))
    except Skip as skip:
        return Verdict(SKIPPED, skip.reason, details=skip.details)
    except Rejected as rejected:
        return dead_letter(rejected.reason, rejected.error)
    except PermanentTargetError as error:
        return dead_letter(PERMANENT_ERROR, f"{error.status} {error.body}")
    except TransientTargetError as error:
        tries = envelope.attempts + 1
        return _retry(tries, max_attempts, TRANSIENT_ERROR, RETRIES_EXHAUSTED, str(error), error)
    except Deferred as deferred:
        tries = envelope.attempts + 1
        return _retry(tries, max_attempts, deferred.reason, deferred.reason, deferred.error, None)
    except Exception as error:  # a bug: log it, let the delivery limit bound it
        text = "".join(traceback.format_exception_only(error)).strip()
        return Verdict(RETRIED, UNEXPECTED_ERROR, text, requeue=True, exception=error)


def _from_outcome(outcome: Any) -> Verdict:
    if isinstance(outcome, Applied):
        return Verdict(APPLIED, details=outcome.details, trail=outcome.trail)
    if isinstance(outcome, Skipped):
        return Verdict(SKIPPED, outcome.reason, details=outcome.details)
    raise TypeError(f"a handler returns Applied or Skipped, not {outcome!r}")


def _retry(
    tries: int,
    max_attempts: int,
    reason: str,
    exhausted_reason: str,
    error: str,
    transient: TransientTargetError | None,
) -> Verdict:
    if tries >= max_attempts:
        return dead_letter(exhausted_reason, error)
    retry_after = transient.retry_after if transient else None
    return Verdict(RETRIED, reason, error, retry_after=retry_after)
