"""The demo's books and simulated users, on the sandboxes in process: a few records of every
shared entity, references resolved, and users who edit quotes and employees too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from commands.demo import data
from commands.demo.users import SimulatedUsers, seed
from mappers.registry import COLLECTIONS, resource_for_collection
from sandboxes import testing

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def sides() -> Iterator[tuple[Any, Any]]:
    accounts = tuple(account for account, _ in data.CUSTOMERS)
    connec, partner = testing.start_connec(), testing.start_partner(accounts=accounts)
    for _, group in data.CUSTOMERS:
        connec.state.add_group(group, testing.TENANT)
    yield connec.state, partner.state
    connec.stop()
    partner.stop()


def test_the_seed_gives_each_customer_records_of_every_shared_entity(sides) -> None:  # type: ignore[no-untyped-def]
    connec, partner = sides
    seed(connec, partner)
    for account, group in data.CUSTOMERS:
        held = {
            collection
            for collection in COLLECTIONS
            if partner.records(account, resource_for_collection(collection))
            or connec.records(group, collection)
        }
        assert held == set(COLLECTIONS)
        [order] = partner.records(account, "sales_orders")
        [quote] = partner.records(account, "quotes")
        assert order["quote_id"] == quote["id"] and quote["lines"][0]["tax_rate_id"]
        [opportunity] = connec.records(group, "opportunities")
        assert opportunity["organization_id"]


def test_simulated_users_edit_quotes_and_employees_on_both_sides(sides) -> None:  # type: ignore[no-untyped-def]
    connec, partner = sides
    seed(connec, partner)
    users = SimulatedUsers(connec, partner, seed_value=3)
    before = {
        (account, resource): {r["id"]: r for r in partner.records(account, resource)}
        for account, _ in data.CUSTOMERS
        for resource in ("employees", "quotes")
    }
    for _ in range(60):
        users.edit_once()
    changed = {
        resource
        for (account, resource), records in before.items()
        for record in partner.records(account, resource)
        if record != records[record["id"]]
    }
    assert changed == {"employees", "quotes"}
    titles = {e["job_title"] for _, g in data.CUSTOMERS for e in connec.records(g, "employees")}
    assert titles != {"Driver"}  # an employee of the HR app edited in Connec!
