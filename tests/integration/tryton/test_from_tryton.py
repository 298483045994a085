"""Tryton -> Connec! through the poller and the consumers' handlers: what is created, written,
archived or deleted in Tryton reaches Connec!, from a cursor kept in the store (a restarted
poller goes on where the last one stopped), with one poller per account."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from providers.tryton import values
from providers.tryton.books import ORGANIZATION, PERSON
from tests.integration.tryton.world import DATABASE, TrytonWorld, world

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

PARTY, TEMPLATE = "party.party", "product.template"


@pytest.fixture
def tryton_world(tryton, sqlite_store_url) -> Iterator[TrytonWorld]:
    with world(tryton, sqlite_store_url, overlap_s=0) as running:
        yield running


def primed(tryton_world, **timing):
    """A poller whose cursors are past everything already in the database."""
    poller = tryton_world.poller(**timing)
    poller.poll_all()
    poller.publisher.batches.clear()
    return poller


def test_parties_and_items_made_in_tryton_reach_connec_and_their_edits_follow(tryton_world, books):
    poller = primed(tryton_world)
    partner = tryton_world.handlers[("organizations", "to-app")].pipeline.targets.partner
    category = partner.books(DATABASE).category
    company = books.party(
        books.unique("Globex"),
        categories=[values.add([category(ORGANIZATION)])],
        contact_mechanisms=[values.create({"type": "email", "value": "hi@globex.example"})],
    )
    person = books.party(
        "Hank Scorpio",
        categories=[values.add([category(PERSON)])],
        relations=[
            values.create(
                {"to": company["id"], "type": partner.books(DATABASE).relation_types()[0]}
            )
        ],
    )
    template = books.client.create(
        DATABASE,
        TEMPLATE,
        {
            "name": "Hammock",
            "type": "goods",
            "list_price": Decimal("99.5"),
            "default_uom": books.facts["unit"],
            "products": [values.create({"cost_price": Decimal("40")})],
        },
    )
    ids = {str(company["id"]), str(person["id"]), str(template["id"])}
    counts = poller.poll_all()[DATABASE]
    assert counts == {"organizations": 1, "people": 1, "items": 1, "invoices": 0, "payments": 0}
    verdicts = tryton_world.apply_polled(poller, ids)
    assert [v.outcome for v in verdicts] == ["applied", "applied", "applied"], verdicts

    organization = tryton_world.connec_record("organizations", str(company["id"]))
    assert organization["name"] == company["name"]
    assert organization["email"] == {"address": "hi@globex.example"}
    assert organization["status"] == "ACTIVE"
    someone = tryton_world.connec_record("people", str(person["id"]))
    assert (someone["first_name"], someone["last_name"]) == ("Hank", "Scorpio")
    assert someone["organization_id"] == organization["id"]
    item = tryton_world.connec_record("items", str(template["id"]))
    assert item["name"] == "Hammock"
    assert item["sale_price"]["net_amount"] == 99.5
    assert item["purchase_price"]["net_amount"] == 40

    books.client.update(DATABASE, PARTY, company["id"], {"name": "Globex Corp"})
    books.client.update(DATABASE, TEMPLATE, template["id"], {"active": False})
    counts = poller.poll_all()[DATABASE]
    assert (counts["organizations"], counts["people"], counts["items"]) == (1, 0, 1)
    verdicts = tryton_world.apply_polled(poller)
    assert [v.outcome for v in verdicts] == ["applied", "applied"], verdicts
    assert tryton_world.connec_record("organizations", str(company["id"]))["name"] == "Globex Corp"
    assert tryton_world.connec_record("items", str(template["id"]))["status"] == "ARCHIVED"


def test_a_person_made_before_their_organization_is_linked_waits_for_it(tryton_world, books):
    poller = primed(tryton_world)
    partner = tryton_world.handlers[("organizations", "to-app")].pipeline.targets.partner
    kinds = partner.books(DATABASE)
    company = books.party(
        books.unique("Initech"), categories=[values.add([kinds.category(ORGANIZATION)])]
    )
    person = books.party(
        "Peter Gibbons",
        categories=[values.add([kinds.category(PERSON)])],
        relations=[values.create({"to": company["id"], "type": kinds.relation_types()[0]})],
    )
    poller.poll_all()
    publisher = poller.publisher
    people_first = sorted(publisher.envelopes, key=lambda raw: raw["entity"] != "people")
    publisher.batches[:] = [[("", raw) for raw in people_first]]
    verdicts = tryton_world.apply_polled(poller, {str(company["id"]), str(person["id"])})
    assert [(v.outcome, v.reason) for v in verdicts] == [
        ("retried", "missing_reference"),
        ("applied", None),
    ]


def test_a_restarted_poller_goes_on_from_the_kept_cursor_and_a_second_one_waits(
    tryton_world, books
):
    first = primed(tryton_world)
    partner = tryton_world.handlers[("organizations", "to-app")].pipeline.targets.partner
    category = partner.books(DATABASE).category(ORGANIZATION)
    made = [
        books.party(books.unique("Hooli"), categories=[values.add([category])]) for _ in range(3)
    ]
    assert first.poll_all()[DATABASE]["organizations"] == 3
    again = tryton_world.poller(holder="poller-a-restarted")
    assert again.poll_all()[DATABASE]["organizations"] == 0
    books.client.update(DATABASE, PARTY, made[1]["id"], {"name": "Hooli XYZ"})
    assert again.poll_all()[DATABASE]["organizations"] == 1
    [envelope] = again.publisher.envelopes
    assert envelope["record"]["name"] == "Hooli XYZ"
    assert (envelope["origin"], envelope["action"]) == ("poll", "updated")

    organization = tryton_world.organization
    assert tryton_world.store.polls.take_lease(organization.id, "someone-else", 60)
    other = tryton_world.poller(holder="poller-b")
    assert other.poll_account(organization) is None
    tryton_world.store.polls.release_lease(organization.id, "someone-else")
    assert other.poll_account(organization) is not None


def test_a_record_deleted_in_tryton_is_found_by_the_sweep_and_archived_in_connec(
    tryton_world, books
):
    poller = primed(tryton_world, deletes_every=3)
    partner = tryton_world.handlers[("organizations", "to-app")].pipeline.targets.partner
    category = partner.books(DATABASE).category(ORGANIZATION)
    doomed = books.party(books.unique("Doomed"), categories=[values.add([category])])
    poller.poll_all()
    [verdict] = tryton_world.apply_polled(poller, {str(doomed["id"])})
    assert verdict.outcome == "applied"
    books.client.delete(DATABASE, PARTY, doomed["id"])
    poller.poll_all()  # the third poll, the priming one included: a sweep
    deleted = [raw for raw in poller.publisher.envelopes if raw["action"] == "deleted"]
    assert [raw["record"] for raw in deleted] == [{"id": str(doomed["id"])}]
    [verdict] = tryton_world.apply_polled(poller, {str(doomed["id"])})
    assert verdict.outcome == "applied"
    assert tryton_world.connec_record("organizations", str(doomed["id"]))["status"] == "ARCHIVED"
    state = tryton_world.store.polls.state(tryton_world.organization.id, "organizations")
    assert (state.polls, state.swept_at is not None) == (0, True)


def test_what_connec_wrote_to_tryton_comes_back_as_an_echo_and_is_not_written_again(
    tryton_world, books
):
    poller = primed(tryton_world)
    record = tryton_world.in_connec(
        "organizations",
        id=books.unique("o"),
        name=books.unique("Echo"),
        email={"address": "echo@example.com"},
        address={"billing": {"line1": "2 Road", "city": "Leeds", "country": "GB"}},
    )
    people = tryton_world.in_connec(
        "people",
        id=books.unique("p"),
        first_name="Eve",
        last_name="Echo",
        organization_id=record["id"],
    )
    for collection, each in (("organizations", record), ("people", people)):
        assert tryton_world.from_connec(collection, each).outcome == "applied"
    poller.poll_all()
    verdicts = tryton_world.apply_polled(poller)
    assert [(v.outcome, v.reason) for v in verdicts] == [("skipped", "echo")] * 2, verdicts
