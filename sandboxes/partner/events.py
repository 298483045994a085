"""Partner change events: one signed POST per receiver and account carrying the events of the
buffer window, per Standard Webhooks (same `webhook-id` on every retry, fresh timestamp)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sandboxes.signing import signature_header

#: seconds after each failed attempt: backoff to 12 h, about 3 days in all, then dropped
PARTNER_RETRY_SCHEDULE_S = (
    5,
    30,
    120,
    600,
    1800,
    3600,
    7200,
    14400,
    28800,
    43200,
    43200,
    43200,
    43200,
    28800,
)


@dataclass(frozen=True)
class EventSubscription:
    """A receiver of one account's events: `url` and its `whsec_` secret(s)."""

    url: str
    account: str
    secrets: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.url, self.account)

    def render(self, items: list[dict[str, Any]]) -> tuple[str, bytes]:
        body = {"account": self.account, "events": items}
        return f"msg_{uuid.uuid4().hex}", json.dumps(body).encode()

    def headers(self, message_id: str, body: bytes) -> dict[str, str]:
        timestamp = int(time.time())
        return {
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(self.secrets, message_id, timestamp, body),
        }


def event(resource: str, action: str, occurred_at: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"resource": resource, "action": action, "occurred_at": occurred_at, "record": record}
