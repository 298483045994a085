"""Partner change events (partner-api.md section 5): check the body, build one envelope per event.

Pure. The receiver filters by the linked organization; a partner's own publisher does not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from connec_sync.naming import TO_CONNEC
from schemas.entity_names import COLLECTIONS, REFERENCE, EntityNames
from schemas.envelope import Envelope

ACTIONS = ("created", "updated", "deleted")
#: reasons an event is ignored (metrics labels, shared with the receiver)
UNKNOWN_RESOURCE, ACCOUNT_NOT_LINKED, DIRECTION_OFF = (
    "unknown_resource",
    "account_not_linked",
    "direction_off",
)


class InvalidEvents(ValueError):
    """The body is not a batch of change events; the message names the problem (answered 400)."""


@dataclass(frozen=True)
class Event:
    resource: str
    action: str
    record: dict[str, Any]
    occurred_at: str | None

    @property
    def collection(self) -> str | None:
        """The Connec! collection of the resource in the reference app's resources."""
        return self.collection_in(REFERENCE)

    def collection_in(self, entities: EntityNames) -> str | None:
        """The Connec! collection of the resource among a partner app's `entities` (its
        provider's names); None when this system does not share it."""
        collection = entities.collection_of(self.resource)
        return collection if collection in COLLECTIONS else None

    @property
    def updated_at(self) -> Any:
        """The version of the change: the record's `updated_at`, or when it was deleted."""
        return self.occurred_at if self.action == "deleted" else self.record.get("updated_at")


@dataclass
class EventBatch:
    account: str
    events: list[Event] = field(default_factory=list)


def parse_events(body: Any) -> EventBatch:
    """`{"account": ..., "events": [{resource, action, record, occurred_at}, ...]}`."""
    if not isinstance(body, dict):
        raise InvalidEvents("the body must be a JSON object with account and events")
    account, events = body.get("account"), body.get("events")
    if not isinstance(account, str) or not account:
        raise InvalidEvents("account must be a non-empty string")
    if not isinstance(events, list):
        raise InvalidEvents("events must be an array")
    return EventBatch(account, [_event(index, raw) for index, raw in enumerate(events)])


def _event(index: int, raw: Any) -> Event:
    where = f"events[{index}]"
    if not isinstance(raw, dict):
        raise InvalidEvents(f"{where} must be an object")
    resource, action, record = raw.get("resource"), raw.get("action"), raw.get("record")
    occurred_at = raw.get("occurred_at")
    if not isinstance(resource, str) or not resource:
        raise InvalidEvents(f"{where}.resource must be a non-empty string")
    if action not in ACTIONS:
        raise InvalidEvents(f"{where}.action must be one of {', '.join(ACTIONS)}")
    if not isinstance(record, dict) or "id" not in record:
        raise InvalidEvents(f"{where}.record must be an object with an id")
    if occurred_at is not None and not isinstance(occurred_at, str):
        raise InvalidEvents(f"{where}.occurred_at must be a string")
    return Event(resource, action, record, occurred_at)


def event_envelope(
    event: Event,
    collection: str,
    *,
    account: str,
    origin: str,
    tenant: str | None = None,
    group_id: str | None = None,
) -> Envelope:
    return Envelope.new(
        direction=TO_CONNEC,
        entity=collection,
        record=event.record,
        action=event.action,
        origin=origin,
        tenant=tenant,
        group_id=group_id,
        account=account,
        updated_at=event.updated_at,
    )


def split_events(
    batch: EventBatch, organization: Any | None, entities: EntityNames = REFERENCE
) -> tuple[list[Envelope], Counter[str]]:
    """The receiver's envelopes for a batch: only for a linked account, only entities sent to
    Connec! (resources named as the partner app's `entities` name them); the rest counted by
    reason."""
    ignored: Counter[str] = Counter()
    if organization is None:
        ignored[ACCOUNT_NOT_LINKED] += len(batch.events)
        return [], ignored
    envelopes = []
    for event in batch.events:
        collection = event.collection_in(entities)
        if collection is None:
            ignored[UNKNOWN_RESOURCE] += 1
        elif not organization.allows(collection, TO_CONNEC):
            ignored[DIRECTION_OFF] += 1
        else:
            envelopes.append(
                event_envelope(
                    event,
                    collection,
                    account=batch.account,
                    origin="webhook",
                    tenant=organization.tenant,
                    group_id=organization.group_id,
                )
            )
    return envelopes, ignored
