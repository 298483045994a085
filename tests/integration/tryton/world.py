"""The Tryton provider's test world: the Connec! sandbox, a SQLite store and the consumers'
handlers called directly (no broker), configured with `partner.provider = "tryton"` against
the session's real Tryton, its database `books` the linked account."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connec_sync.naming import DIRECTIONS, Names
from connec_sync.settings import Settings
from connec_sync.store import Store
from consumers.pipeline import ConsumerServices, consumer_parts
from consumers.verdicts import Verdict, judge
from providers.tryton.server import TrytonServer
from sandboxes import testing
from sandboxes.web import SandboxHandle
from tests.system import connec_envelope, partner_envelope

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

    def partner_id(self, collection: str, connec_id: str) -> str:
        link = self.store.id_map.find(self.organization.id, collection, connec_id=connec_id)
        assert link is not None and link.partner_id is not None, (collection, connec_id)
        return str(link.partner_id)


@contextmanager
def world(tryton: TrytonServer, store_url: str, **options: Any) -> Iterator[TrytonWorld]:
    connec = testing.start_connec()
    settings = tryton_settings(tryton, connec.url, store_url, **options)
    store = Store.open(store_url)
    store.link_configured(settings.organizations)
    names = Names("tryton-direct")
    routes = [names.route(entity, direction) for entity in ENTITIES for direction in DIRECTIONS]
    handlers, background = consumer_parts(ConsumerServices(settings, store), routes)
    by_route = {(route.entity, route.direction): handler for route, handler in handlers.items()}
    try:
        yield TrytonWorld(connec, store, settings, by_route, background[0])
    finally:
        for handler in by_route.values():
            handler.pipeline.targets.partner.close()
        connec.stop()
        store.close()
