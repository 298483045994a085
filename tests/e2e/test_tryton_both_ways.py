"""End to end with a real Tryton: the receiver, the consumers and the poller (threads of this
process, on the in-memory broker) between the Connec! sandbox and Tryton, both ways. A company,
a contact, a product, an invoice with two lines and its payment made in Connec! appear in Tryton
as the right records (the contact first: it waits for its company), the invoice posted then
paid; an edit on each side, an archive in Tryton and a restart of the poller follow, and nothing
is duplicated."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connec_sync.broker import declare_all, make_publisher
from connec_sync.clients.http import RateGate
from connec_sync.http_server import serve_in_thread
from connec_sync.naming import DIRECTIONS, Names
from connec_sync.settings import BrokerSettings
from connec_sync.store import Store
from consumers.pipeline import ConsumerServices, consumer_parts
from consumers.runtime import Worker
from mappers.registry import COLLECTIONS
from producers.poll.poller import Interrupted, Poller
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from producers.sync.schedule import run_every
from providers.registry import configured
from providers.tryton.client import TrytonClient
from sandboxes import testing
from tests.integration.tryton.world import DATABASE, tryton_settings

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

GROUP = testing.GROUP_ID
#: longer than a consumer's slowest write to Tryton here (an invoice: create, validate, post)
OVERLAP_S = 12.0


def wait_for(what: str, check: Callable[[], Any], deadline_s: float = 90.0) -> Any:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"not within {deadline_s} s: {what}")


class Running:
    """Receiver, consumers and a poller of one settings, started and stopped together."""

    def __init__(self, tryton: Any, store_url: str) -> None:
        self.connec = testing.start_connec(seed=uuid.uuid4().int % (1 << 30))
        broker = BrokerSettings(url="memory://", namespace=f"e2e-{uuid.uuid4().hex[:8]}")
        broker = dataclasses.replace(broker, retry_delays_s=(1, 2), max_attempts=40)
        settings = tryton_settings(
            tryton, self.connec.url, store_url, login="admin", password=tryton.admin_password
        )
        self.settings = dataclasses.replace(settings, broker=broker)
        self.store = Store.open(store_url)
        self.store.link_configured(self.settings.organizations)
        declare_all(broker, COLLECTIONS)
        self.publisher = make_publisher(broker)
        app = create_app(self.settings, self.store, self.publisher, ReceiverMetrics())
        self.receiver = serve_in_thread(app)
        self.connec.state.subscribe_receiver(self.receiver.url)
        names = Names(broker.namespace)
        routes = [names.route(e, d) for e in COLLECTIONS for d in DIRECTIONS]
        handlers, background = consumer_parts(ConsumerServices(self.settings, self.store), routes)
        self.worker = Worker(broker, handlers, background=background)
        self.threads = [threading.Thread(target=self.worker.run, daemon=True)]
        self.threads[0].start()
        assert self.worker.ready.wait(15)
        self.poller: Poller | None = None
        self.start_poller()

    def start_poller(self) -> None:
        provider = configured(self.settings)
        assert provider.changes is not None and provider.poll_timing is not None
        timing = dataclasses.replace(provider.poll_timing(self.settings), overlap_s=OVERLAP_S)
        reader = provider.changes(self.settings, RateGate())
        names = Names(self.settings.broker.namespace)
        self.poller = Poller(self.store, self.publisher, reader, provider, names, timing, 50)
        poller = self.poller
        thread = threading.Thread(
            target=run_every, args=(0.5, 0.0, lambda: _poll_round(poller), poller.stop), daemon=True
        )
        thread.start()
        self.poller_thread = thread

    def stop_poller(self) -> None:
        assert self.poller is not None
        self.poller.stop.set()
        self.poller_thread.join(30)
        assert not self.poller_thread.is_alive()
        self.poller.reader.close()

    def close(self) -> None:
        self.stop_poller()
        self.worker.stop()
        for thread in self.threads:
            thread.join(15)
        self.receiver.stop()
        self.publisher.close()
        self.connec.stop()
        self.store.close()

    def linked(self, collection: str, connec_id: str) -> int | None:
        link = self.store.id_map.find(
            self.store.organizations.by_account(DATABASE).id, collection, connec_id=connec_id
        )
        return int(link.partner_id) if link and link.partner_id else None

    def connec_record(self, collection: str, partner_id: int) -> dict[str, Any] | None:
        ours = {"id": str(partner_id), "provider": "tryton", "realm": DATABASE}
        for record in self.connec.state.records(GROUP, collection):
            if ours in record["id"]:
                return record
        return None


@pytest.fixture
def running(own_tryton, sqlite_store_url) -> Iterator[Running]:
    system = Running(own_tryton, sqlite_store_url)
    try:
        yield system
    finally:
        system.close()


@pytest.fixture
def tryton_client(own_tryton) -> Iterator[TrytonClient]:
    facts = own_tryton.facts
    client = TrytonClient(own_tryton.url, own_tryton.api_key, facts["company"], 60.0)
    yield client
    client.close()


def connec_id(record: dict[str, Any]) -> str:
    return next(entry["id"] for entry in record["id"] if entry["provider"] == "connec")


def test_records_flow_both_ways_between_connec_and_a_real_tryton(running, tryton_client) -> None:
    state, client = running.connec.state, tryton_client
    unique = uuid.uuid4().hex[:8]
    company = state.write_as_app(
        GROUP, "organizations", {"id": f"o-{unique}", "name": f"Acme {unique}", "is_customer": True}
    )[1]
    person = state.write_as_app(
        GROUP,
        "people",
        {
            "id": f"p-{unique}",
            "first_name": "Ann",
            "last_name": "Lee",
            "organization_id": company["id"],
        },
    )[1]
    # the contact was sent before its company's link existed: it waited, then was applied
    item = state.write_as_app(
        GROUP, "items", {"id": f"i-{unique}", "name": "Widget", "reference": f"W-{unique}"}
    )[1]
    party = wait_for(
        "the company in Tryton", lambda: running.linked("organizations", connec_id(company))
    )
    person_party = wait_for(
        "the contact in Tryton", lambda: running.linked("people", connec_id(person))
    )
    template = wait_for("the item in Tryton", lambda: running.linked("items", connec_id(item)))
    wait_for(
        "Connec! knows the company as ours",
        lambda: running.connec_record("organizations", party),
    )
    relations = client.read(DATABASE, "party.party", person_party, ["relations.to"])["relations"]
    assert [relation["to"] for relation in relations] == [party]

    today = datetime.date.today().isoformat()
    invoice = state.write_as_app(
        GROUP,
        "invoices",
        {
            "id": f"inv-{unique}",
            "type": "CUSTOMER",
            "status": "AUTHORISED",
            "transaction_number": f"INV-{unique}",
            "transaction_date": today,
            "organization_id": running.connec_record("organizations", party)["id"],
            "lines": [
                {
                    "item_id": item["id"],
                    "description": "Widgets",
                    "quantity": 2,
                    "unit_price": {"net_amount": 10, "tax_rate": 10},
                },
                {"description": "Delivery", "quantity": 1, "unit_price": {"net_amount": 5}},
            ],
        },
    )[1]
    number = wait_for(
        "the invoice in Tryton", lambda: running.linked("invoices", connec_id(invoice))
    )
    posted = client.read(DATABASE, "account.invoice", number, ["state", "total_amount", "lines"])
    assert posted["state"] == "posted" and len(posted["lines"]) == 2
    wait_for("Connec! knows the invoice as ours", lambda: running.connec_record("invoices", number))
    payment = state.write_as_app(
        GROUP,
        "payments",
        {
            "id": f"pay-{unique}",
            "type": "CUSTOMER",
            "transaction_date": today,
            "amount": {"total_amount": float(posted["total_amount"])},
            "payment_lines": [
                {
                    "amount": float(posted["total_amount"]),
                    "linked_transactions": [
                        {"id": running.connec_record("invoices", number)["id"], "class": "Invoice"}
                    ],
                }
            ],
        },
    )[1]
    wait_for("the payment in Tryton", lambda: running.linked("payments", connec_id(payment)))
    wait_for(
        "the invoice paid in Tryton",
        lambda: client.read(DATABASE, "account.invoice", number, ["state"])["state"] == "paid",
    )
    wait_for(
        "the invoice PAID in Connec!",
        lambda: (running.connec_record("invoices", number) or {}).get("status") == "PAID",
    )

    state.user_edit(GROUP, "organizations", connec_id(company), {"name": f"Acme Renamed {unique}"})
    wait_for(
        "the Connec! edit in Tryton",
        lambda: (
            client.read(DATABASE, "party.party", party, ["name"])["name"]
            == f"Acme Renamed {unique}"
        ),
    )
    client.update(DATABASE, "party.party", person_party, {"name": "Ann Smith"})
    wait_for(
        "the Tryton edit in Connec!",
        lambda: (running.connec_record("people", person_party) or {}).get("last_name") == "Smith",
    )
    client.update(DATABASE, "product.template", template, {"active": False})
    wait_for(
        "the Tryton archive in Connec!",
        lambda: (running.connec_record("items", template) or {}).get("status") == "ARCHIVED",
    )

    running.stop_poller()
    running.start_poller()
    client.update(DATABASE, "party.party", party, {"name": f"Acme Again {unique}"})
    wait_for(
        "a Tryton edit after the poller's restart in Connec!",
        lambda: (
            (running.connec_record("organizations", party) or {}).get("name")
            == f"Acme Again {unique}"
        ),
    )

    parties = client.search(DATABASE, "party.party", [("name", "ilike", f"%{unique}%")], ["id"])
    assert [each["id"] for each in parties] == [party]
    invoices = client.search(
        DATABASE, "account.invoice", [("reference", "=", f"INV-{unique}")], ["id"]
    )
    assert [each["id"] for each in invoices] == [number]
    for collection in ("organizations", "people", "items", "invoices", "payments"):
        mine = [
            r
            for r in state.records(GROUP, collection)
            if any(e.get("provider") == "tryton" for e in r["id"])
        ]
        assert len(mine) == 1, (collection, mine)


def _poll_round(poller: Poller) -> int:
    """One poll of every account; a stop asked during it ends it quietly, as in `connec-sync
    poll` (any other error still surfaces from the thread and fails the test)."""
    with contextlib.suppress(Interrupted):
        poller.poll_all()
    return 0
