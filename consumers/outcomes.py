"""The contract between the consumer runtime and a pipeline: what a handler returns or raises.

A handler is `handle(envelope: Envelope) -> Applied | Skipped`, called once per delivery with the
decoded envelope (schemas.envelope). What the runtime does with each result:

- returns Applied(details): `applied`, ack.
- returns Skipped(reason), or raises Skip(reason) anywhere: `skipped`, ack.
- raises Rejected(reason, error): `dead_lettered` at once with that reason and error, then ack.
- raises PermanentTargetError (4xx other than 429, RecordNotFound included): `dead_lettered` at
  once, reason `permanent_error`, the status and response body as the error.
- raises TransientTargetError (timeout, connection error, 5xx, 429): `retried` through a delay
  tier of at least `retry_after`, then ack; once the budget (broker.max_attempts tries) is spent,
  `dead_lettered` with reason `retries_exhausted`.
- raises Deferred(reason, error) (e.g. `missing_reference`): `retried` like a transient error;
  once the budget is spent, `dead_lettered` with the Deferred's own reason.
- raises anything else (a bug): `retried` with reason `unexpected_error`, logged with its
  traceback, rejected with requeue; the quorum queue's delivery limit dead-letters a message that
  keeps failing (x-death reason `delivery_limit`).

A handler must make its effect durable (written and recorded) before it returns: the ack follows.
It must be idempotent: any delivery may be repeated (crash, broker restart, requeue).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.envelope import Envelope

#: skip reasons the pipeline is expected to use (free text is allowed; keep it snake_case)
SKIP_REASONS = ("echo", "stale", "disabled", "filtered")
#: dead-letter reasons of the runtime itself
PERMANENT_ERROR = "permanent_error"
RETRIES_EXHAUSTED = "retries_exhausted"
UNDECODABLE = "undecodable"
#: reason quorum queues write in x-death when the delivery limit dead-letters a message
DELIVERY_LIMIT = "delivery_limit"
#: the detail of an applied record listing the fields left out of it, each {"field", "reason"}
#: (schemas.tolerance): logged with the record and counted by field
DROPPED_FIELDS = "dropped_fields"
#: retry reasons of the runtime itself
TRANSIENT_ERROR = "transient_error"
UNEXPECTED_ERROR = "unexpected_error"


@dataclass(frozen=True)
class Applied:
    """The record was written and recorded. `details` (e.g. {"connec_id": ..., "app_id": ...,
    "status": 201}) are added to the message's log line."""

    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """Nothing to write (echo, stale, disabled, filtered); acked and counted by reason."""

    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)


class Skip(Exception):  # a verdict, not an error (like dramatiq's SkipMessage)
    """Raised anywhere in a pipeline: the message is skipped with `reason` (same as Skipped)."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class Rejected(Exception):  # a verdict on the message
    """Invalid input or a permanent refusal: dead-lettered at once with `reason` and `error`
    (e.g. Rejected("invalid", "{'name': ['required']}"))."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


class Deferred(Exception):  # a verdict on the message
    """Not possible yet (e.g. `missing_reference`): retried through the delay tiers, and
    dead-lettered with `reason` once the retry budget is spent."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


Outcome = Applied | Skipped
Handler = Callable[[Envelope], Outcome]
