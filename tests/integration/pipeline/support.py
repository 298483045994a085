"""Helpers of the pipeline integration tests: waiting for the sides, publishing envelopes."""

from __future__ import annotations

from typing import Any

from connec_sync.broker import amqp
from connec_sync.naming import Route
from connec_sync.settings import BrokerSettings
from sandboxes import testing
from schemas.envelope import Envelope
from tests.unit.consumers.support import take_all

GROUP, ACCOUNT, PROVIDER = testing.GROUP_ID, testing.ACCOUNT, "demoapp"


def wait(condition: Any, timeout_s: float = 20.0, what: str = "condition") -> Any:
    assert testing.wait_until(condition, timeout_s, every_s=0.05), (
        f"{what} not met in {timeout_s} s"
    )
    return condition()


def publish(settings: BrokerSettings, route: Route, envelopes: list[Envelope]) -> None:
    """Publish envelopes to the work exchange, as the sync producer would."""
    connection = amqp.connect(settings)
    try:
        for envelope in envelopes:
            amqp.publish(
                connection,
                f"{settings.namespace}.work",
                route.routing_key(),
                envelope.encode(),
                message_id=envelope.message_id,
            )
    finally:
        connection.release()


def queue_ready(settings: BrokerSettings, queue: str) -> int:
    connection = amqp.connect(settings)
    try:
        return int(amqp.count(connection, queue).ready or 0)
    finally:
        connection.release()


def ours(id_array: list[dict[str, Any]] | None) -> str | None:
    """Our partner id in a Connec! id array."""
    for entry in id_array or ():
        if entry.get("provider") == PROVIDER and entry.get("realm") == ACCOUNT:
            return str(entry["id"])
    return None


__all__ = ["take_all"]
