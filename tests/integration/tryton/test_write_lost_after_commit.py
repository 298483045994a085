"""A write to Tryton that fails after Tryton committed it (our client times out; the record is
in Tryton, the id map does not link it) stays unlinked until the to-app message's retry. A poll
in between reads it: it keeps our create key, so the poller marks it ours and the to-Connec!
consumer waits (`echo_in_flight`) instead of creating a second Connec! record; once the retry
links it, the waiting message is an ordinary echo. When the retry never comes, the waiting
message is dead-lettered `echo_in_flight`; replaying the to-app dead letter links the record
(its create finds it by the key), and replaying this one then reaches the one linked Connec!
record (an echo, or for an item an update with Tryton's defaults).

Without the mark (before it existed) the poll's envelope was applied: a second Connec! record,
and a `link_conflict` when the to-app retry linked the record."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest

from connec_sync.clients.errors import TransientTargetError
from consumers.to_connec import ECHO_IN_FLIGHT
from consumers.verdicts import Verdict, judge
from providers.interface import CREATED_BY_SYNC
from providers.tryton import values
from providers.tryton.books import ORGANIZATION
from sandboxes import testing
from schemas.envelope import Envelope, decode
from tests.integration.tryton.world import DATABASE, TrytonWorld, connec_id, world

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
MAX_ATTEMPTS = 8


@pytest.fixture
def tryton_world(tryton, sqlite_store_url) -> Iterator[TrytonWorld]:
    with world(tryton, sqlite_store_url, overlap_s=0) as running:
        yield running


def answers_lost(monkeypatch: pytest.MonkeyPatch, tryton_world: TrytonWorld, entity: str) -> None:
    """The to-app creates of `entity` reach Tryton, which commits them, but time out for us."""
    partner = tryton_world.handlers[(entity, "to-app")].pipeline.targets.partner
    create = partner.create

    def timing_out(account: str, resource: str, body: dict, idempotency_key: str) -> Any:
        create(account, resource, body, idempotency_key)
        raise TransientTargetError(None, None, "read timed out (Tryton committed the create)")

    monkeypatch.setattr(partner, "create", timing_out)


def polled(tryton_world: TrytonWorld, poller: Any, partner_id: str) -> Envelope:
    """The one envelope the poll published for the Tryton record `partner_id`."""
    poller.poll_all()
    raw = [e for e in poller.publisher.envelopes if str(e["record"]["id"]) == partner_id]
    poller.publisher.batches.clear()
    assert len(raw) == 1, raw
    return decode(json.dumps(raw[0]))


def to_connec(tryton_world: TrytonWorld, envelope: Envelope, attempts: int) -> Verdict:
    handler = tryton_world.handlers[(envelope.entity, "to-connec")]
    return judge(handler, dataclasses.replace(envelope, attempts=attempts), MAX_ATTEMPTS)


def named(tryton_world: TrytonWorld, collection: str, name: str) -> list[dict[str, Any]]:
    records = tryton_world.connec.state.records(testing.GROUP_ID, collection)
    return [record for record in records if record.get("name") == name]


def of_company(tryton_world: TrytonWorld, company: dict[str, Any]) -> list[dict[str, Any]]:
    """The Connec! invoices of an organization."""
    invoices = tryton_world.connec.state.records(testing.GROUP_ID, "invoices")
    ours = connec_id(company)
    return [
        each
        for each in invoices
        if any(entry.get("id") == ours for entry in each.get("organization_id") or ())
    ]


def primed(tryton_world: TrytonWorld) -> Any:
    poller = tryton_world.poller()
    poller.poll_all()
    poller.publisher.batches.clear()
    return poller


def lost_create(
    tryton_world: TrytonWorld,
    books: Any,
    monkeypatch: pytest.MonkeyPatch,
    collection: str,
    **fields: Any,
) -> tuple[dict[str, Any], str]:
    """A Connec! record whose create in Tryton timed out after Tryton committed it: the record,
    and the id of what Tryton made (found by name, as no link names it)."""
    name = books.unique("Lost Answer")
    record = tryton_world.in_connec(collection, id=books.unique("c"), name=name, **fields)
    answers_lost(monkeypatch, tryton_world, collection)
    first = tryton_world.from_connec(collection, record)
    monkeypatch.undo()
    assert (first.outcome, first.reason) == ("retried", "transient_error")
    model = {"organizations": "party.party", "items": "product.template"}[collection]
    made = books.client.search(DATABASE, model, [("name", "=", name)], ["id"])
    assert len(made) == 1
    link = tryton_world.store.id_map.find(
        tryton_world.organization.id, collection, partner_id=str(made[0]["id"])
    )
    assert link is None  # Tryton has it, the id map does not link it
    return record, str(made[0]["id"])


def test_a_create_whose_answer_was_lost_is_polled_without_a_second_connec_record(
    tryton_world, books, monkeypatch
):
    poller = primed(tryton_world)
    record, party = lost_create(tryton_world, books, monkeypatch, "organizations")

    envelope = polled(tryton_world, poller, party)
    waiting = to_connec(tryton_world, envelope, 0)

    assert envelope.record[CREATED_BY_SYNC] is True
    assert (waiting.outcome, waiting.reason) == ("retried", ECHO_IN_FLIGHT), waiting
    assert len(named(tryton_world, "organizations", record["name"])) == 1
    partner = tryton_world.handlers[("organizations", "to-connec")].pipeline.targets.partner
    synced = [
        r for page in partner.pages(DATABASE, "organizations") for r in page if r["id"] == party
    ]
    assert synced == [envelope.record]  # the sync's read marks it too

    retried = tryton_world.from_connec("organizations", record)  # the to-app message's retry
    assert retried.outcome == "applied", retried
    assert tryton_world.partner_id("organizations", connec_id(record)) == party
    echo = to_connec(tryton_world, envelope, 1)

    assert (echo.outcome, echo.reason) == ("skipped", "echo"), echo
    [only] = named(tryton_world, "organizations", record["name"])
    assert connec_id(only) == connec_id(record)


def test_a_lost_create_whose_retry_never_comes_is_dead_lettered_then_replayed_onto_its_link(
    tryton_world, books, monkeypatch
):
    poller = primed(tryton_world)
    record, template = lost_create(
        tryton_world,
        books,
        monkeypatch,
        "items",
        sale_price={"net_amount": 12.5},
        purchase_price={"net_amount": 4},
    )

    envelope = polled(tryton_world, poller, template)
    given_up = to_connec(tryton_world, envelope, MAX_ATTEMPTS - 1)

    assert (given_up.outcome, given_up.reason) == ("dead_lettered", ECHO_IN_FLIGHT), given_up
    assert f"items {template} was created in the app by connec-sync" in given_up.error
    assert len(named(tryton_world, "items", record["name"])) == 1

    # the operator replays the to-app dead letter (its create finds the record by its key), then
    # this one
    assert tryton_world.from_connec("items", record).outcome == "applied"
    replayed = to_connec(tryton_world, envelope, 0)

    # what any linked item's read-back does: Tryton's defaults our create did not say (type
    # goods) make it no echo (test_sync_with_tryton.py), so it updates the one Connec! record
    assert replayed.outcome == "applied", replayed
    assert replayed.details["status"] == "updated"
    assert replayed.details["connec_id"] == connec_id(record)
    assert len(named(tryton_world, "items", record["name"])) == 1
    products = books.client.search(
        DATABASE, "product.template", [("name", "=", record["name"])], ["id"]
    )
    assert len(products) == 1


def test_an_invoice_whose_answer_was_lost_waits_by_the_key_in_its_first_lines_note(
    tryton_world, books, monkeypatch
):
    poller = primed(tryton_world)
    company, party = tryton_world.customer(books.unique("Lost Invoice Customer"))
    tryton_world.link_backs.flush()  # Connec! knows the party's Tryton id
    invoice = tryton_world.repairs_invoice(books, company, "DRAFT")
    answers_lost(monkeypatch, tryton_world, "invoices")
    assert tryton_world.from_connec("invoices", invoice).reason == "transient_error"
    monkeypatch.undo()
    [made] = books.client.search(DATABASE, "account.invoice", [("party", "=", party)], ["id"])

    envelope = polled(tryton_world, poller, str(made["id"]))
    waiting = to_connec(tryton_world, envelope, 0)

    assert envelope.record[CREATED_BY_SYNC] is True
    assert (waiting.outcome, waiting.reason) == ("retried", ECHO_IN_FLIGHT), waiting
    assert len(of_company(tryton_world, company)) == 1
    assert tryton_world.from_connec("invoices", invoice).outcome == "applied"
    again = to_connec(tryton_world, envelope, 1)
    assert (again.outcome, again.reason) == ("skipped", "echo"), again
    assert len(of_company(tryton_world, company)) == 1
    assert tryton_world.partner_id("invoices", connec_id(invoice)) == str(made["id"])


def test_a_record_made_by_a_user_in_tryton_is_not_marked_and_reaches_connec(tryton_world, books):
    poller = primed(tryton_world)
    partner = tryton_world.handlers[("organizations", "to-app")].pipeline.targets.partner
    organization = partner.books(DATABASE).category(ORGANIZATION)
    party = books.party(books.unique("User Made"), categories=[values.add([organization])])

    envelope = polled(tryton_world, poller, str(party["id"]))
    verdict = to_connec(tryton_world, envelope, 0)

    assert CREATED_BY_SYNC not in envelope.record
    assert verdict.outcome == "applied", verdict
