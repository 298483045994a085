"""A running connec-sync for tests: both sandboxes, the store, and either handlers called
directly (`Direct`, no broker) or the real path (`System`: receiver -> RabbitMQ -> consumers in
threads), wired to a test namespace. Used by the pipeline tests and the fault suite."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connec_sync.broker import declare_all, make_publisher
from connec_sync.http_server import RunningServer, serve_in_thread
from connec_sync.naming import DIRECTIONS, Names
from connec_sync.settings import BrokerSettings, Settings
from connec_sync.store import Store
from consumers.pipeline import ConsumerServices, consumer_parts
from consumers.runtime import Worker
from consumers.verdicts import Verdict, judge
from mappers.registry import COLLECTIONS
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from sandboxes import testing
from sandboxes.web import SandboxHandle
from schemas.envelope import Envelope
from tests.services import TEST_ENTITIES


def settings_for(
    connec_url: str,
    partner_url: str,
    store_url: str,
    broker: BrokerSettings | None = None,
    **organization: Any,
) -> Settings:
    """Settings pointing at the sandboxes, with the test organization (TEST_ENTITIES both ways,
    unless `entities=...`; `conflict_winner=...`, `enabled=...`)."""
    org = {
        "tenant": testing.TENANT,
        "group_id": testing.GROUP_ID,
        "account": testing.ACCOUNT,
        "entities": {entity: "both" for entity in TEST_ENTITIES},
        **organization,
    }
    tenant = {"api_id": testing.API_ID, "api_key": testing.API_KEY}
    settings = Settings.from_mapping(
        {
            "store": {"url": store_url},
            "connec": {"base_url": connec_url, "timeout_s": 5, "tenants": {testing.TENANT: tenant}},
            "partner": {
                "base_url": partner_url,
                "api_token": testing.API_TOKEN,
                "timeout_s": 5,
                "webhook_secrets": [testing.WEBHOOK_SECRET],
            },
            "organizations": [org],
        }
    )
    return dataclasses.replace(settings, broker=broker) if broker else settings


@dataclasses.dataclass
class Sides:
    """The two sandboxes and the store, with the test organization linked."""

    connec: SandboxHandle
    partner: SandboxHandle
    store: Store
    settings: Settings

    @property
    def organization(self) -> Any:
        return self.store.organizations.by_account(testing.ACCOUNT)

    def links(self, entity: str | None = None) -> list[Any]:
        return self.store.id_map.links(entity=entity)

    def partner_records(self, resource: str) -> list[dict[str, Any]]:
        return self.partner.state.records(testing.ACCOUNT, resource)

    def connec_records(self, collection: str) -> list[dict[str, Any]]:
        return self.connec.state.records(testing.GROUP_ID, collection)

    def partner_writes(self, method: str = "POST") -> list[dict[str, Any]]:
        """The partner API requests of that method (the sandbox's request log)."""
        log = self.partner.state.request_log.entries()
        return [e for e in log if e["method"] == method and e["path"].startswith("/v1/")]


@contextmanager
def sides(
    store_url: str, broker: BrokerSettings | None = None, **organization: Any
) -> Iterator[Sides]:
    connec, partner = testing.start_connec(), testing.start_partner()
    settings = settings_for(connec.url, partner.url, store_url, broker, **organization)
    store = Store.open(store_url)
    store.link_configured(settings.organizations)
    try:
        yield Sides(connec, partner, store, settings)
    finally:
        connec.stop()
        partner.stop()
        store.close()


class Direct:
    """The pipeline's handlers called directly, one per (entity, direction), no broker."""

    def __init__(self, sides: Sides, names: Names | None = None) -> None:
        self.sides = sides
        names = names or Names("direct")
        routes = [names.route(e, d) for e in COLLECTIONS for d in DIRECTIONS]
        services = ConsumerServices(sides.settings, sides.store)
        handlers, [self.link_backs] = consumer_parts(services, routes)
        self.handlers = {(route.entity, route.direction): h for route, h in handlers.items()}

    def from_connec(self, collection: str, record: dict[str, Any], attempts: int = 0) -> Verdict:
        envelope = dataclasses.replace(connec_envelope(collection, record), attempts=attempts)
        return judge(self.handlers[(collection, "to-app")], envelope, 8)

    def from_partner(
        self, collection: str, record: dict[str, Any], action: str = "updated", **fields: Any
    ) -> Verdict:
        envelope = partner_envelope(collection, record, action, **fields)
        return judge(self.handlers[(collection, "to-connec")], envelope, 8)


def connec_envelope(collection: str, record: dict[str, Any]) -> Envelope:
    return Envelope.new(
        direction="to-app",
        entity=collection,
        record=record,
        tenant=testing.TENANT,
        group_id=testing.GROUP_ID,
        account=testing.ACCOUNT,
        updated_at=record.get("updated_at"),
    )


def partner_envelope(
    collection: str, record: dict[str, Any], action: str = "updated", **fields: Any
) -> Envelope:
    return Envelope.new(
        direction="to-connec",
        entity=collection,
        record=record,
        action=action,
        origin="publisher",
        account=testing.ACCOUNT,
        **fields,
    )


class System:
    """The real path: receiver (in process, real confirming publisher) -> RabbitMQ -> consumer
    workers in threads; Connec! notifies the receiver, the partner sends it signed events.
    Only the entities the test organization shares have queues (the shared broker's limit)."""

    def __init__(self, sides: Sides) -> None:
        self.sides = sides
        self.settings = sides.settings
        self.names = Names(self.settings.broker.namespace)
        switches = self.settings.organizations[0].entities
        self.entities = tuple(e for e in COLLECTIONS if switches.get(e, "off") != "off")
        declare_all(self.settings.broker, self.entities)
        self.publisher = make_publisher(
            dataclasses.replace(self.settings.broker, confirm_timeout_s=5.0)
        )
        app = create_app(self.settings, sides.store, self.publisher, ReceiverMetrics())
        self.receiver: RunningServer = serve_in_thread(app)
        sides.connec.state.subscribe_receiver(self.receiver.url)
        sides.partner.state.subscribe(self.receiver.url + "/app/events", testing.WEBHOOK_SECRET)
        self.workers: list[tuple[Worker, threading.Thread]] = []

    def start_consumers(self, replicas: int = 1, entities: tuple[str, ...] | None = None) -> None:
        """`replicas` consumer workers, each with its own handlers (own clients, own lease
        owner), as separate processes would have; of every entity shared, unless named."""
        for _ in range(replicas):
            routes = [self.names.route(e, d) for e in entities or self.entities for d in DIRECTIONS]
            services = ConsumerServices(self.settings, self.sides.store)
            handlers, background = consumer_parts(services, routes)
            worker = Worker(self.settings.broker, handlers, background=background)
            thread = threading.Thread(target=worker.run, name="consumer", daemon=True)
            thread.start()
            assert worker.ready.wait(15), "a consumer did not subscribe"
            self.workers.append((worker, thread))

    def stop_consumers(self) -> None:
        for worker, _ in self.workers:
            worker.stop()
        for _, thread in self.workers:
            thread.join(15)
            assert not thread.is_alive(), "a consumer did not stop"
        self.workers.clear()

    def close(self) -> None:
        self.stop_consumers()
        self.receiver.stop()
        self.publisher.close()


@contextmanager
def running_system(
    store_url: str, broker: BrokerSettings, replicas: int = 1, **organization: Any
) -> Iterator[System]:
    with sides(store_url, broker, **organization) as both:
        system = System(both)
        try:
            if replicas:
                system.start_consumers(replicas)
            yield system
        finally:
            system.close()
