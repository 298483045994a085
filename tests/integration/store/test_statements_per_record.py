"""How many statements the store runs for one record, counted at the database driver on SQLite
and on PostgreSQL: a create in either direction is claimed and leased in one statement (with
its version recorded as being written, before the write), then recorded in one more (the
version, the other side's id, the link-back to send, the lease released), before the ack. Each
is a transaction of its own; nothing is read back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandboxes import testing
from tests.statements import StatementCounter
from tests.system import Direct, Sides, sides


@pytest.fixture
def both(store_url: str) -> Iterator[Sides]:
    with sides(store_url) as running:
        yield running


@pytest.fixture
def counter(both: Sides) -> StatementCounter:
    return StatementCounter().watch(both.store)


@pytest.fixture
def direct(both: Sides, counter: StatementCounter) -> Direct:
    made = Direct(both)
    warm = both.connec.state.write_as_app(testing.GROUP_ID, "people", {"first_name": "Warm"})[1]
    other = both.partner.state.user_create(testing.ACCOUNT, "contacts", {"first_name": "Warm"})
    # the organization is read once per process and side, then known
    assert made.from_connec("people", warm).outcome == "applied"
    assert made.from_partner("people", other).outcome == "applied"
    return made


def _created_in_two_statements(
    both: Sides, counter: StatementCounter, counts: dict, verdict: Any
) -> None:
    """A create applied in two statements, one INSERT and one UPDATE, each its own transaction."""
    assert (verdict.outcome, verdict.details["status"]) == ("applied", "created")
    assert counter.statements() == 2, counts
    assert (counts["INSERT"], counts["UPDATE"]) == (1, 1), counts
    if both.store.engine.dialect.name == "sqlite":
        assert (counts["BEGIN"], counts["COMMIT"]) == (2, 2), counts


def test_a_record_created_in_connec_costs_the_partner_two_statements_in_two_transactions(
    both: Sides, direct: Direct, counter: StatementCounter
) -> None:
    person = both.connec.state.write_as_app(testing.GROUP_ID, "people", {"first_name": "Ann"})[1]

    with counter.counting() as counts:
        verdict = direct.from_connec("people", person)

    _created_in_two_statements(both, counter, counts, verdict)
    [link] = [link for link in both.links("people") if link.connec_id == person["id"][0]["id"]]
    assert link.partner_id is not None and link.lease_owner is None
    assert link.to_app_version is not None and link.to_app_pending is False


def test_a_record_created_in_the_app_costs_connec_two_statements_in_two_transactions(
    both: Sides, direct: Direct, counter: StatementCounter
) -> None:
    contact = both.partner.state.user_create(testing.ACCOUNT, "contacts", {"first_name": "Bo"})

    with counter.counting() as counts:
        verdict = direct.from_partner("people", contact)

    _created_in_two_statements(both, counter, counts, verdict)
    [link] = [link for link in both.links("people") if link.partner_id == str(contact["id"])]
    assert link.connec_id == verdict.details["connec_id"] and link.lease_owner is None
    assert link.to_connec_version is not None and link.to_connec_pending is False


def test_an_update_of_a_linked_record_is_leased_in_one_statement(
    both: Sides, direct: Direct, counter: StatementCounter
) -> None:
    contact = both.partner.state.user_create(testing.ACCOUNT, "contacts", {"first_name": "Cy"})
    assert direct.from_partner("people", contact).outcome == "applied"
    edited = both.partner.state.user_edit(
        testing.ACCOUNT, "contacts", contact["id"], {"first_name": "Cyd"}
    )

    with counter.counting() as counts:
        verdict = direct.from_partner("people", edited)

    assert (verdict.outcome, verdict.details["status"]) == ("applied", "updated")
    # the lease (one upsert), the version recorded as being written, then the record
    assert counter.statements() == 3, counts
    assert (counts["INSERT"], counts["UPDATE"]) == (1, 2), counts
