"""Dead letters as the consumers leave them, for the operator tools' tests (all tiers)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from connec_sync.broker import Broker, Message, TakenMessage
from connec_sync.broker.headers import dead_letter_headers
from connec_sync.broker.setup import names_for
from connec_sync.settings import BrokerSettings
from schemas.envelope import Envelope

FIRST, LAST = "2024-05-01T10:00:00.000000Z", "2024-05-01T10:05:00.000000Z"


def person_envelope(name: str = "Ada Lovelace", attempts: int = 3) -> Envelope:
    envelope = Envelope.new(
        direction="to-app",
        entity="people",
        record={"id": "p-1", "first_name": name},
        group_id="cld-1",
        tenant="default",
        updated_at="2024-05-01T09:00:00Z",
    )
    return dataclasses.replace(envelope, attempts=attempts)


def headers_for(reason: str, error: str = "name: required", last: str = LAST) -> dict[str, Any]:
    return dead_letter_headers(
        reason=reason, error=error, attempts=4, first_failure=FIRST, last_failure=last, lane="live"
    )


def publish_dead_letter(
    opened: Broker,
    broker: BrokerSettings,
    *,
    body: bytes | None = None,
    reason: str = "invalid",
    entity: str = "people",
    direction: str = "to-app",
    last: str = LAST,
    message_id: str = "m-1",
) -> bytes:
    """Publish to the dead-letter exchange as a consumer's verdict does; returns the body."""
    body = body if body is not None else person_envelope().encode()
    names = names_for(broker)
    key = names.route(entity, direction).routing_key()
    headers = headers_for(reason, last=last)
    opened.publish([Message(names.dead_letter_exchange, key, body, message_id, headers)])
    return body


def take_all(opened: Broker, queue: str) -> list[TakenMessage]:
    taken: list[TakenMessage] = []
    opened.take(queue, taken.append, 1000)
    return taken


def decoded(message: TakenMessage) -> dict[str, Any]:
    return dict(json.loads(message.body))
