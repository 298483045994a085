"""A partner record that our own create made (its change source marks it CREATED_BY_SYNC) is
never created in Connec! while the id map does not link it: it waits (`echo_in_flight`) for
its to-app write's retry to link it, then is an ordinary echo; if the link never comes it is
dead-lettered `echo_in_flight`, not duplicated. A record without the mark (made by a user in
the app) is created as before. The to-Connec! consumer does this for any provider (here the
reference app)."""

from __future__ import annotations

import dataclasses

from consumers.to_connec import ECHO_IN_FLIGHT
from consumers.verdicts import judge
from providers.interface import CREATED_BY_SYNC
from sandboxes import testing
from tests.system import Direct, Sides, partner_envelope

GROUP, ACCOUNT = testing.GROUP_ID, testing.ACCOUNT
MAX_ATTEMPTS = 8


def ours(record: dict) -> dict:
    return {**record, CREATED_BY_SYNC: True}


def from_partner_try(direct: Direct, collection: str, record: dict, attempts: int):
    envelope = dataclasses.replace(partner_envelope(collection, record), attempts=attempts)
    return judge(direct.handlers[(collection, "to-connec")], envelope, MAX_ATTEMPTS)


def test_an_unlinked_record_of_ours_waits_and_is_not_created_in_connec(
    both: Sides, direct: Direct
) -> None:
    product = both.partner.state.user_create(ACCOUNT, "products", {"name": "Widget"})

    verdict = direct.from_partner("items", ours(product))

    assert (verdict.outcome, verdict.reason) == ("retried", ECHO_IN_FLIGHT)
    assert f"items {product['id']} was created in the app by connec-sync" in verdict.error
    assert both.connec_records("items") == []
    assert both.links("items") == []  # no bare link claimed for it either


def test_an_unlinked_record_of_ours_is_dead_lettered_when_its_retries_are_spent(
    both: Sides, direct: Direct
) -> None:
    product = both.partner.state.user_create(ACCOUNT, "products", {"name": "Widget"})

    verdict = from_partner_try(direct, "items", ours(product), MAX_ATTEMPTS - 1)

    assert (verdict.outcome, verdict.reason) == ("dead_lettered", ECHO_IN_FLIGHT)
    assert "replay it" in verdict.error
    assert both.connec_records("items") == []


def test_a_record_of_ours_once_linked_is_an_ordinary_echo(both: Sides, direct: Direct) -> None:
    written = {"id": "o1", "name": "Doe Corp"}
    record = both.connec.state.write_as_app(GROUP, "organizations", written)[1]
    assert direct.from_connec("organizations", record).outcome == "applied"
    [company] = both.partner_records("companies")

    verdict = from_partner_try(direct, "organizations", ours(company), 1)

    assert (verdict.outcome, verdict.reason) == ("skipped", "echo")
    assert [each["name"] for each in both.connec_records("organizations")] == ["Doe Corp"]


def test_a_record_made_by_a_user_in_the_app_is_created_in_connec_as_before(
    both: Sides, direct: Direct
) -> None:
    product = both.partner.state.user_create(ACCOUNT, "products", {"name": "Widget"})

    verdict = direct.from_partner("items", product)

    assert verdict.outcome == "applied"
    [item] = both.connec_records("items")
    assert item["name"] == "Widget"


def test_a_mark_that_is_false_is_no_mark(both: Sides, direct: Direct) -> None:
    product = both.partner.state.user_create(ACCOUNT, "products", {"name": "Widget"})

    verdict = direct.from_partner("items", {**product, CREATED_BY_SYNC: False})

    assert verdict.outcome == "applied"
