"""A consumer worker on memory:// over both sandboxes and a SQLite store, with its lineage
recorder (as `consume` runs it), for the lineage, trace, coalescing and mapping check tests."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from connec_sync.naming import DIRECTIONS, Names
from connec_sync.settings import BrokerSettings
from consumers.pipeline import ConsumerServices, consumer_parts
from consumers.runtime import Worker
from operators.trace import trace
from sandboxes import testing
from schemas.envelope import Envelope
from tests.system import Sides, sides
from tests.unit.consumers.support import delete_topology, publish, wait_for

GROUP, ACCOUNT = testing.GROUP_ID, testing.ACCOUNT
ENTITIES = ("organizations", "people")


@dataclass
class Flow:
    both: Sides
    broker: BrokerSettings
    names: Names

    def publish(self, envelope: Envelope) -> None:
        publish(self.broker, self.names.route(envelope.entity, envelope.direction), envelope)

    def trace(self, **ids: Any) -> dict[str, Any]:
        return trace(self.both.store, **ids)

    def wait(
        self, condition: Callable[[dict[str, Any]], Any], what: str, **ids: Any
    ) -> dict[str, Any]:
        """The record's trace once `condition(trace)` holds (the recorder writes every 0.5 s)."""
        return wait_for(
            lambda: (found := self.trace(**ids)) and condition(found) and found,
            timeout_s=20,
            what=what,
        )


def steps(found: dict[str, Any]) -> list[str]:
    return [event["step"] for event in found["events"]]


@contextmanager
def flowing(store_url: str, delays: tuple[int, ...] = (1,), **broker: Any) -> Iterator[Flow]:
    settings = BrokerSettings(
        url="memory://",
        namespace=f"lin-{uuid.uuid4().hex[:10]}",
        retry_delays_s=delays,
        max_attempts=3,
        delivery_limit=3,
        prefetch=20,
        **broker,
    )
    with sides(store_url, settings) as both:
        names = Names(settings.namespace)
        routes = [names.route(e, d) for e in ENTITIES for d in DIRECTIONS]
        handlers, background = consumer_parts(ConsumerServices(both.settings, both.store), routes)
        worker = Worker(settings, handlers, background=background)
        thread = threading.Thread(target=worker.run, name="consumer", daemon=True)
        thread.start()
        assert worker.ready.wait(15), "the consumer did not subscribe"
        try:
            yield Flow(both, settings, names)
        finally:
            worker.stop()
            thread.join(15)
            delete_topology(settings)
