"""What a dead letter carries, and how a reader tells who dead-lettered it.

Two kinds arrive in `<namespace>.<entity>.<direction>.dead`, both with the envelope as the body:

- **A consumer's verdict** (invalid, permanent error, retries exhausted, missing reference,
  undecodable, ...): headers `x-reason`, `x-error` (truncated), `x-attempts` (tries made,
  this one included), `x-first-failure`, `x-last-failure` (ISO-8601 UTC), `x-lane`.
- **The quorum queue's delivery limit** (a message that kept crashing its consumer): no
  `x-reason`; RabbitMQ adds `x-death`, whose newest entry (the first) has
  `reason: delivery_limit`. `x-first-death-reason` can instead be `expired` for a message that
  had been through a retry tier, so read the newest `x-death` entry, as `reason_of` does.
"""

from __future__ import annotations

from typing import Any

from consumers.outcomes import DELIVERY_LIMIT

#: longest error text carried in a header, in bytes (headers share one frame with the body)
MAX_ERROR_BYTES = 4096
REASON, ERROR, ATTEMPTS = "x-reason", "x-error", "x-attempts"
FIRST_FAILURE, LAST_FAILURE, LANE = "x-first-failure", "x-last-failure", "x-lane"

__all__ = ["DELIVERY_LIMIT", "dead_letter_headers", "reason_of", "truncate"]


def truncate(text: str, limit: int = MAX_ERROR_BYTES) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 20].decode(errors="ignore") + " ...[truncated]"


def dead_letter_headers(
    *, reason: str, error: str, attempts: int, first_failure: str, last_failure: str, lane: str
) -> dict[str, Any]:
    return {
        REASON: reason,
        ERROR: truncate(error),
        ATTEMPTS: attempts,
        FIRST_FAILURE: first_failure,
        LAST_FAILURE: last_failure,
        LANE: lane,
    }


def reason_of(headers: dict[str, Any]) -> str:
    """Why a message is in a dead-letter queue: the consumer's reason, else the broker's."""
    if headers.get(REASON):
        return str(headers[REASON])
    deaths = headers.get("x-death") or []
    if deaths and deaths[0].get("reason"):
        reason = deaths[0]["reason"]
        return reason.decode() if isinstance(reason, bytes) else str(reason)
    return str(headers.get("x-first-death-reason") or "unknown")


def is_delivery_limit(headers: dict[str, Any]) -> bool:
    """Dead-lettered by the quorum delivery limit rather than by a consumer's verdict."""
    return reason_of(headers) == DELIVERY_LIMIT and not headers.get(REASON)
