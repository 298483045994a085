"""Helpers of the pipeline integration tests: waiting for the sides, publishing envelopes."""

from __future__ import annotations

from typing import Any

from connec_sync.broker import Message, open_broker
from connec_sync.naming import Route
from connec_sync.settings import BrokerSettings
from sandboxes import testing
from schemas.envelope import Envelope
from tests.unit.consumers.support import take_all

GROUP, ACCOUNT, PROVIDER = testing.GROUP_ID, testing.ACCOUNT, "demoapp"


def consumer_settings_head(broker: BrokerSettings, store_url: str, connec_url: str) -> str:
    """The TOML a `consume` process of a test starts with: the broker (short retry tiers), the
    store and the Connec! sandbox with the test tenant."""
    return f"""
[broker]
url = "{broker.url}"
namespace = "{broker.namespace}"
retry_delays_s = [1, 2]
max_attempts = 20
[store]
url = "{store_url}"
[connec]
base_url = "{connec_url}"
timeout_s = 5
[connec.tenants.{testing.TENANT}]
api_id = "{testing.API_ID}"
api_key = "{testing.API_KEY}"
"""


def wait(condition: Any, timeout_s: float = 20.0, what: str = "condition") -> Any:
    assert testing.wait_until(condition, timeout_s, every_s=0.05), (
        f"{what} not met in {timeout_s} s"
    )
    return condition()


def publish(settings: BrokerSettings, route: Route, envelopes: list[Envelope]) -> None:
    """Publish envelopes to the work exchange, as the sync producer would."""
    exchange = f"{settings.namespace}.work"
    with open_broker(settings) as broker:
        broker.publish(
            [
                Message(exchange, route.routing_key(), envelope.encode(), envelope.message_id)
                for envelope in envelopes
            ]
        )


def queue_ready(settings: BrokerSettings, queue: str) -> int:
    with open_broker(settings) as broker:
        return int(broker.count(queue).ready or 0)


def ours(id_array: list[dict[str, Any]] | None) -> str | None:
    """Our partner id in a Connec! id array."""
    for entry in id_array or ():
        if entry.get("provider") == PROVIDER and entry.get("realm") == ACCOUNT:
            return str(entry["id"])
    return None


__all__ = ["take_all"]
