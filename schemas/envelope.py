"""The one message envelope, whoever publishes it: receiver, partner publisher, sync or replay.

An `Envelope` is typed and frozen. It is built in one place, `Envelope.new`; it becomes a
broker message with `message()` (its body is `encode()`), and a message body becomes one again
with `decode`, which validates it (the envelope's own fields, not the record: a consumer
validates the record). Its wire form, the format partners publish directly (README), is a JSON
object with exactly the fields of `EnvelopeSchema` (schemas/envelope_wire.py, imported on the
first decode); `source` is not kept but follows from the direction (Connec! records travel to the
app, the app's to Connec!).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connec_sync.broker.messages import Message
from connec_sync.naming import LIVE, Names
from schemas.envelope_terms import (
    ACTIONS,
    DIRECTIONS,
    FORMAT_VERSION,
    ORIGINS,
    UndecodableMessage,
)

#: serialises as compactly as one line of JSON can be (one encoder for every envelope)
_ENCODER = json.JSONEncoder(separators=(",", ":"))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_message_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Envelope:
    """One record on its way, with where it comes from and where it goes. `record` is the
    record as its source sent it (validated by the consumer, not here); `updated_at` its
    version (for a deletion: when it was deleted); `attempts` the tries made so far."""

    message_id: str
    entity: str
    direction: str
    action: str
    origin: str
    tenant: str | None
    group_id: str | None
    account: str | None
    record: dict[str, Any]
    updated_at: str | None
    received_at: str
    attempts: int = 0

    def __post_init__(self) -> None:
        for name, allowed in (("direction", DIRECTIONS), ("action", ACTIONS), ("origin", ORIGINS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"envelope {name} {getattr(self, name)!r} is not one of {allowed}")
        if self.attempts < 0:
            raise ValueError(f"envelope attempts {self.attempts} is negative")

    @classmethod
    def new(
        cls,
        *,
        entity: str,
        direction: str,
        record: dict[str, Any],
        action: str = "upsert",
        origin: str = "webhook",
        tenant: str | None = None,
        group_id: str | None = None,
        account: str | None = None,
        updated_at: Any = None,
        received_at: str | None = None,
        message_id: str | None = None,
    ) -> Envelope:
        """A fresh envelope (attempts 0): every producer builds its envelopes here. Raises
        ValueError for a direction, action or origin that is not one of the envelope's.

        `updated_at` defaults to the record's own; a value that is not a string is kept as
        None, so a sender's odd value reaches the consumer (which dead-letters the invalid
        record) instead of failing the request. `received_at` defaults to now (a producer
        building several envelopes for one request may pass one instant)."""
        version = record.get("updated_at") if updated_at is None else updated_at
        return cls(
            message_id=message_id or new_message_id(),
            entity=entity,
            direction=direction,
            action=action,
            origin=origin,
            tenant=tenant,
            group_id=group_id,
            account=account,
            record=record,
            updated_at=version if isinstance(version, str) else None,
            received_at=received_at or now_iso(),
        )

    @property
    def source(self) -> str:
        """Where the record comes from: `connec` (to the app) or `app` (to Connec!)."""
        return "connec" if self.direction == "to-app" else "app"

    def next_attempt(self) -> Envelope:
        """The same envelope, one more try counted (a retry republishes it)."""
        return dataclasses.replace(self, attempts=self.attempts + 1)

    def replayed(self) -> Envelope:
        """The envelope as a fresh try of a dead letter: attempts 0, origin `replay`."""
        return dataclasses.replace(self, attempts=0, origin="replay")

    def to_json(self) -> dict[str, Any]:
        """The wire form, field by field (what the store keeps of a dead letter)."""
        return {
            "format": FORMAT_VERSION,
            "message_id": self.message_id,
            "source": self.source,
            "entity": self.entity,
            "direction": self.direction,
            "action": self.action,
            "origin": self.origin,
            "tenant": self.tenant,
            "group_id": self.group_id,
            "account": self.account,
            "record": self.record,
            "updated_at": self.updated_at,
            "received_at": self.received_at,
            "attempts": self.attempts,
        }

    def encode(self) -> bytes:
        """The message body: the wire form as compact JSON."""
        return _ENCODER.encode(self.to_json()).encode()

    def message(
        self, names: Names, lane: str = LIVE, headers: dict[str, Any] | None = None
    ) -> Message:
        """The broker message: to the work exchange, on its route's `lane`."""
        route = names.route(self.entity, self.direction)
        return Message(
            exchange=names.work_exchange,
            routing_key=route.routing_key(lane),
            body=self.encode(),
            message_id=self.message_id,
            headers=headers or {},
        )

    @classmethod
    def from_json(cls, data: Any) -> Envelope:
        """An envelope from its wire form, validated; raises UndecodableMessage."""
        # marshmallow only here: a process that only sends envelopes never loads it
        from schemas.envelope_wire import wire_fields

        return cls(**wire_fields(data))


def decode(body: bytes | str) -> Envelope:
    """Parse and validate a message body; raises UndecodableMessage naming the problem."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise UndecodableMessage(f"body is not JSON: {error}") from None
    return Envelope.from_json(data)


__all__ = [
    "Envelope",
    "UndecodableMessage",
    "decode",
    "new_message_id",
    "now_iso",
]
