"""The Tryton provider's test world: the Connec! sandbox, a SQLite store and the consumers'
handlers called directly (no broker), configured with `partner.provider = "tryton"` against
the session's real Tryton, its database `books` the linked account."""

from __future__ import annotations

import dataclasses
import datetime
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connec_sync.clients.http import RateGate
from connec_sync.naming import DIRECTIONS, Names
from connec_sync.settings import Settings
from connec_sync.store import Store
from consumers.link_backs import LinkBackSender
from consumers.pipeline import ConsumerServices, consumer_parts
from consumers.verdicts import Verdict, judge
from producers.poll.poller import Poller
from providers.interface import PollTiming
from providers.registry import configured
from providers.tryton.server import TrytonServer
from sandboxes import testing
from sandboxes.web import SandboxHandle
from schemas.envelope import decode
from tests.system import connec_envelope, partner_envelope
from tests.unit.sync.support import RecordingPublisher

DATABASE = "books"
ENTITIES = ("organizations", "people", "items", "invoices", "payments")


def tryton_settings(
    tryton: TrytonServer, connec_url: str, store_url: str, **options: Any
) -> Settings:
    """Settings for the Tryton provider, the test organization linked to the database."""
    tenant = {"api_id": testing.API_ID, "api_key": testing.API_KEY}
    organization = {
        "tenant": testing.TENANT,
        "group_id": testing.GROUP_ID,
        "account": DATABASE,
        "entities": {entity: "both" for entity in ENTITIES},
    }
    table = {"company": tryton.facts["company"], **options}
    return Settings.from_mapping(
        {
            "store": {"url": store_url},
            "connec": {"base_url": connec_url, "timeout_s": 5, "tenants": {testing.TENANT: tenant}},
            "partner": {
                "provider": "tryton",
                "base_url": tryton.url,
                "api_token": tryton.api_key,
                "timeout_s": 60,
                "tryton": table,
            },
            "organizations": [organization],
        }
    )


@dataclasses.dataclass
class TrytonWorld:
    connec: SandboxHandle
    store: Store
    settings: Settings
    handlers: dict[tuple[str, str], Any]
    link_backs: Any
    readers: list[Any] = dataclasses.field(default_factory=list)

    @property
    def organization(self) -> Any:
        return self.store.organizations.by_account(DATABASE)

    def from_connec(self, collection: str, record: dict[str, Any]) -> Verdict:
        envelope = dataclasses.replace(connec_envelope(collection, record), account=DATABASE)
        return judge(self.handlers[(collection, "to-app")], envelope, 8)

    def from_tryton(self, collection: str, record: dict[str, Any], **fields: Any) -> Verdict:
        fields.setdefault("updated_at", record.get("updated_at"))
        envelope = partner_envelope(collection, record, "updated", **fields)
        envelope = dataclasses.replace(envelope, account=DATABASE)
        return judge(self.handlers[(collection, "to-connec")], envelope, 8)

    def in_connec(self, collection: str, **record: Any) -> dict[str, Any]:
        """A record another app made in Connec! (notified), as Connec! holds it."""
        return self.connec.state.write_as_app(testing.GROUP_ID, collection, record)[1]

    def poller(self, holder: str = "poller-a", **timing: Any) -> Poller:
        """A poller of the world's organization, publishing to a RecordingPublisher."""
        provider = configured(self.settings)
        assert provider.changes is not None and provider.poll_timing is not None
        chosen = {**dataclasses.asdict(provider.poll_timing(self.settings)), **timing}
        reader = provider.changes(self.settings, RateGate())
        self.readers.append(reader)
        names = Names("tryton-poll")
        return Poller(
            self.store,
            RecordingPublisher(),
            reader,
            provider,
            names,
            PollTiming(**chosen),
            50,
            holder,
        )

    def apply_polled(self, poller: Poller, ids: set[str] | None = None) -> list[Verdict]:
        """Feed the envelopes `poller` published (those of `ids` only, when given) to the
        to-connec handlers, in order; the publisher is emptied."""
        publisher = poller.publisher
        assert isinstance(publisher, RecordingPublisher)
        verdicts = []
        for raw in publisher.envelopes:
            if ids is None or str(raw["record"]["id"]) in ids:
                envelope = decode(json.dumps(raw))
                verdicts.append(judge(self.handlers[(envelope.entity, "to-connec")], envelope, 8))
        publisher.batches.clear()
        return verdicts

    def connec_record(self, collection: str, partner_id: str) -> dict[str, Any] | None:
        """The Connec! record linked to a Tryton record, as Connec! holds it."""
        for record in self.connec.state.records(testing.GROUP_ID, collection):
            ours = {"id": partner_id, "provider": "tryton", "realm": DATABASE}
            if ours in record["id"]:
                return record
        return None

    def customer(self, name: str) -> tuple[dict[str, Any], int]:
        """An organization made in Connec! and applied to Tryton: its record, its party id."""
        company = self.in_connec("organizations", id=f"o-{name}", name=name)
        assert self.from_connec("organizations", company).outcome == "applied"
        return company, int(self.partner_id("organizations", connec_id(company)))

    def repairs_invoice(self, books: Any, company: dict[str, Any], status: str) -> dict[str, Any]:
        """A customer invoice of `company` made in Connec!, one 40.00 line, no number."""
        return self.in_connec(
            "invoices",
            id=books.unique("inv"),
            type="CUSTOMER",
            status=status,
            transaction_date=datetime.date.today().isoformat(),
            organization_id=company["id"],
            amount={"currency": "USD"},
            lines=[{"description": "Repairs", "quantity": 1, "unit_price": {"net_amount": 40}}],
        )

    def partner_id(self, collection: str, connec_id: str) -> str:
        link = self.store.id_map.find(self.organization.id, collection, connec_id=connec_id)
        assert link is not None and link.partner_id is not None, (collection, connec_id)
        return str(link.partner_id)


def connec_id(record: dict[str, Any]) -> str:
    """The Connec! id of a Connec! record (its `connec` entry)."""
    return next(entry["id"] for entry in record["id"] if entry["provider"] == "connec")


@contextmanager
def world(tryton: TrytonServer, store_url: str, **options: Any) -> Iterator[TrytonWorld]:
    # Connec! ids of their own: the session's Tryton database outlives each test, and our create
    # keys there come from (account, entity, Connec! id)
    connec = testing.start_connec(seed=random.randrange(1 << 30))
    settings = tryton_settings(tryton, connec.url, store_url, **options)
    store = Store.open(store_url)
    store.link_configured(settings.organizations)
    names = Names("tryton-direct")
    routes = [names.route(entity, direction) for entity in ENTITIES for direction in DIRECTIONS]
    handlers, background = consumer_parts(ConsumerServices(settings, store), routes)
    by_route = {(route.entity, route.direction): handler for route, handler in handlers.items()}
    sender = next(part for part in background if isinstance(part, LinkBackSender))
    running = TrytonWorld(connec, store, settings, by_route, sender)
    try:
        yield running
    finally:
        for reader in running.readers:
            reader.close()
        for handler in by_route.values():
            handler.pipeline.targets.partner.close()
        connec.stop()
        store.close()
