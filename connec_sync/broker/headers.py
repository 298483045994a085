"""The headers a delivery's outcome carries: a retry in a delay tier, and a dead letter; and how
a reader tells who dead-lettered a message.

A retried message carries `x-first-failure` (its first failure, ISO-8601 UTC), `x-retry-reason`
and `x-retry-error` (why it waits; not `x-reason`, which marks dead letters). Two kinds of dead
letter arrive in `<namespace>.<entity>.<direction>.dead`, both with the message's body:

- **A consumer's verdict** (invalid, permanent error, retries exhausted, missing reference,
  undecodable, ...): headers `x-reason`, `x-error` (truncated), `x-attempts` (tries made,
  this one included), `x-first-failure`, `x-last-failure` (ISO-8601 UTC), `x-lane`.
- **The quorum queue's delivery limit** (a message that kept crashing its consumer): no
  `x-reason`; the broker adds `x-death`, whose newest entry (the first) has
  `reason: delivery_limit`. `x-first-death-reason` can instead be `expired` for a message that
  had been through a retry tier, so read the newest `x-death` entry, as `reason_of` does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

#: longest error text carried in a header, in bytes (headers share one frame with the body)
MAX_ERROR_BYTES = 4096
REASON, ERROR, ATTEMPTS = "x-reason", "x-error", "x-attempts"
FIRST_FAILURE, LAST_FAILURE, LANE = "x-first-failure", "x-last-failure", "x-lane"
#: why the message is waiting in a retry tier (not `x-reason`: that one marks dead letters)
RETRY_REASON, RETRY_ERROR = "x-retry-reason", "x-retry-error"
#: what a broker adds when it dead-letters a message itself, newest entry first
DEATHS = "x-death"
#: deliveries of the message before this one (quorum queues); changes at every redelivery
DELIVERY_COUNT = "x-delivery-count"
#: reason quorum queues write in x-death when the delivery limit dead-letters a message
DELIVERY_LIMIT = "delivery_limit"


def now_iso() -> str:
    """Now, as the failure headers write it (ISO-8601 UTC, microseconds, `Z`)."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def truncate(text: str, limit: int = MAX_ERROR_BYTES) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 20].decode(errors="ignore") + " ...[truncated]"


def retry_headers(previous: dict[str, Any], reason: str, error: str, now: str) -> dict[str, Any]:
    """Headers of the republished message: only ours (the broker's x-death is not carried)."""
    return {
        FIRST_FAILURE: previous.get(FIRST_FAILURE) or now,
        RETRY_REASON: reason,
        RETRY_ERROR: truncate(error),
    }


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
    deaths = headers.get(DEATHS) or []
    if deaths and deaths[0].get("reason"):
        reason = deaths[0]["reason"]
        return reason.decode() if isinstance(reason, bytes) else str(reason)
    return str(headers.get("x-first-death-reason") or "unknown")


def is_delivery_limit(headers: dict[str, Any]) -> bool:
    """Dead-lettered by the quorum delivery limit rather than by a consumer's verdict."""
    return reason_of(headers) == DELIVERY_LIMIT and not headers.get(REASON)
