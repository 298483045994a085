"""Connec! webhook notifications: one POST per subscribed app carrying every record changed
in the buffer window, keyed by collection, with HTTP Basic auth and nothing signed."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

#: Connec!'s real retry schedule is undocumented; this one is the sandbox's choice (seconds
#: after each failed attempt; 12 retries, about 1 h 40 min in all, then the batch is dropped)
CONNEC_RETRY_SCHEDULE_S = (1, 2, 4, 8, 16, 32, 60, 120, 300, 600, 1800, 3600)


@dataclass(frozen=True)
class AppSubscription:
    """An app subscribed to one tenant's changes, at `url`, with that tenant's credentials."""

    url: str
    tenant: str
    api_id: str
    api_key: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.url, self.api_id)

    def render(self, items: list[tuple[str, dict[str, Any]]]) -> tuple[str, bytes]:
        body: dict[str, list[dict[str, Any]]] = {}
        for collection, record in items:
            body.setdefault(collection, []).append(record)
        return uuid.uuid4().hex, json.dumps(body).encode()

    def headers(self, message_id: str, body: bytes) -> dict[str, str]:
        token = base64.b64encode(f"{self.api_id}:{self.api_key}".encode()).decode()
        return {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def describe(self) -> dict[str, str]:
        return {"url": self.url, "tenant": self.tenant, "api_id": self.api_id}
