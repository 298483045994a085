"""The publisher a partner app can embed to send its changes straight to RabbitMQ.

    publisher = PartnerEventPublisher("amqp://user:pass@broker/%2F", account="acct-2243")
    publisher.publish([{"resource": "contacts", "action": "updated", "record": {...}}])
    publisher.close()

Events are those of partner-api.md section 5, their resources named as the partner app names
them (`entities`: its provider's; the reference app's by default); each becomes one envelope
(`schemas/envelope.py`) on the work exchange with routing key `<collection>.to-connec`.
`publish` returns once the broker confirmed every event (persistent, mandatory, windowed
confirms) and raises PublishFailed otherwise; the connection reconnects by itself.
"""

from __future__ import annotations

from typing import Any

from connec_sync.broker import Message, PublishFailed, make_publisher
from connec_sync.naming import DEFAULT_NAMESPACE, Names
from connec_sync.settings import BrokerSettings
from mappers.registry import REFERENCE, EntityTable
from producers.events import Event, event_envelope, parse_events

__all__ = ["PartnerEventPublisher", "PublishFailed", "UnknownResource"]


class UnknownResource(ValueError):
    """An event's resource is not one this system shares."""


class PartnerEventPublisher:
    def __init__(
        self,
        url: str,
        account: str,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        confirm_timeout_s: float = 10.0,
        entities: EntityTable = REFERENCE,
    ) -> None:
        self.account = account
        self._entities = entities
        self._names = Names(namespace)
        broker = BrokerSettings(url=url, namespace=namespace, confirm_timeout_s=confirm_timeout_s)
        self._publisher = make_publisher(broker)

    def publish(self, events: list[dict[str, Any]]) -> int:
        """Publish the events as one confirmed batch; returns how many were published.
        Raises InvalidEvents (bad shape), UnknownResource, or PublishFailed (retry later)."""
        batch = parse_events({"account": self.account, "events": events})
        messages = [self._message(event) for event in batch.events]
        self._publisher.publish_batch(messages)
        return len(messages)

    def _message(self, event: Event) -> Message:
        collection = event.collection_in(self._entities.names)
        if collection is None:
            raise UnknownResource(f"resource {event.resource!r} is not shared by connec-sync")
        envelope = event_envelope(event, collection, account=self.account, origin="publisher")
        return envelope.message(self._names)

    def close(self) -> None:
        self._publisher.close()

    def __enter__(self) -> PartnerEventPublisher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
