"""Builders shared by the receiver's tests (all tiers): settings, a fake publisher, signing."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from connec_sync.broker import Message, PublishFailed
from connec_sync.settings import Settings
from producers.signatures import sign

FIXTURES = Path(__file__).parent / "fixtures"
TENANT, API_ID, API_KEY = "default", "app-id-1", "app-key-1"
OTHER_TENANT, OTHER_ID, OTHER_KEY = "maestrano-uat", "app-id-2", "app-key-2"
SECRET_OLD = "whsec_" + base64.b64encode(b"old secret of thirty-two bytes!!").decode()
SECRET_NEW = "whsec_" + base64.b64encode(b"new secret of thirty-two bytes!!").decode()
SECRET_GONE = "whsec_" + base64.b64encode(b"a removed secret, no longer kept").decode()
GROUP, ACCOUNT = "cld-9ax2", "acct-2243"
ALL_ENTITIES = {"organizations": "both", "people": "both", "items": "both", "invoices": "both"}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def settings(**broker: Any) -> Settings:
    """Two tenants, two partner secrets (rotation), one linked organization."""
    raw: dict[str, Any] = {
        "broker": {"namespace": f"t-{uuid.uuid4().hex[:10]}", "confirm_timeout_s": 2.0, **broker},
        "receiver": {"max_body_bytes": 64 * 1024},
        "connec": {
            "tenants": {
                TENANT: {"api_id": API_ID, "api_key": API_KEY},
                OTHER_TENANT: {"api_id": OTHER_ID, "api_key": OTHER_KEY},
            }
        },
        "partner": {"webhook_secrets": [SECRET_NEW, SECRET_OLD]},
        "organizations": [
            {"tenant": TENANT, "group_id": GROUP, "account": ACCOUNT, "entities": ALL_ENTITIES}
        ],
    }
    return Settings.from_mapping(raw)


def basic(user: str = API_ID, password: str = API_KEY) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def signed_headers(
    body: bytes, secret: str = SECRET_NEW, webhook_id: str | None = None, at: float | None = None
) -> dict[str, str]:
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    timestamp = str(int(time.time() if at is None else at))
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": sign(secret, webhook_id, timestamp, body),
        "Content-Type": "application/json",
    }


def events_body(*events: dict[str, Any], account: str = ACCOUNT) -> bytes:
    return json.dumps({"account": account, "events": list(events)}).encode()


def contact_event(contact_id: str = "c_81", action: str = "updated") -> dict[str, Any]:
    record = {"id": contact_id, "first_name": "Ann", "updated_at": "2026-11-27T10:11:12.123456Z"}
    return {
        "resource": "contacts",
        "action": action,
        "occurred_at": "2026-11-27T10:11:12Z",
        "record": record,
    }


class FakePublisher:
    """Records confirmed batches; `fail_with` makes the next publishes fail with that reason."""

    def __init__(self) -> None:
        self.batches: list[list[Message]] = []
        self.fail_with: str | None = None
        self.ready = True
        self.lock = threading.Lock()

    def publish_batch(self, messages: list[Message]) -> None:
        if self.fail_with:
            raise PublishFailed(self.fail_with, "told to fail")
        with self.lock:
            self.batches.append(list(messages))

    def is_ready(self) -> bool:
        return self.ready

    def close(self) -> None:
        pass

    @property
    def messages(self) -> list[Message]:
        return [message for batch in self.batches for message in batch]

    def envelopes(self) -> list[dict[str, Any]]:
        return [json.loads(message.body) for message in self.messages]
