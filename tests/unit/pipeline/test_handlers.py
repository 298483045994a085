"""The handlers called directly (no broker) against both sandboxes and a SQLite store."""

from __future__ import annotations

import json

from consumers.link_backs import LinkBackSender
from consumers.to_app import idempotency_key
from sandboxes import testing
from tests.system import Direct, Sides

GROUP, ACCOUNT = testing.GROUP_ID, testing.ACCOUNT


def other_app(both: Sides, collection: str, record: dict) -> dict:
    return both.connec.state.write_as_app(GROUP, collection, record)[1]


def link_backs(direct: Direct) -> LinkBackSender:
    return direct.link_backs


def test_a_connec_record_is_created_once_with_a_deterministic_key_and_linked_back(
    both: Sides, direct: Direct
) -> None:
    record = other_app(both, "organizations", {"id": "o1", "name": "Doe Corp"})

    first = direct.from_connec("organizations", record)
    again = direct.from_connec("organizations", record)

    assert (first.outcome, again.outcome, again.reason) == ("applied", "skipped", "stale")
    [created] = both.partner_writes("POST")
    connec_id = record["id"][0]["id"]
    assert created["headers"]["idempotency-key"] == idempotency_key(
        ACCOUNT, "organizations", connec_id
    )
    [company] = both.partner_records("companies")
    assert both.store.link_backs.count() == 1  # stored with the apply, sent after the ack
    assert link_backs(direct).flush() == 1
    linked = both.connec.state.find(GROUP, "organizations", "demoapp", ACCOUNT, company["id"])
    assert linked is not None and linked["name"] == "Doe Corp"
    assert both.store.link_backs.count() == 0


def test_a_partner_record_deleted_in_the_app_marks_the_link_inactive_and_later_changes_skip(
    both: Sides, direct: Direct
) -> None:
    record = other_app(both, "people", {"id": "p1", "first_name": "Ann"})
    direct.from_connec("people", record)
    [contact] = both.partner_records("contacts")
    both.partner.state.delete(ACCOUNT, "contacts", contact["id"])
    connec_id = record["id"][0]["id"]

    edited = both.connec.state.user_edit(GROUP, "people", connec_id, {"first_name": "Anna"})
    gone = direct.from_connec("people", {**edited, "updated_at": "2099-01-01T00:00:00Z"})
    later = direct.from_connec("people", {**edited, "updated_at": "2099-01-02T00:00:00Z"})

    assert (gone.outcome, gone.reason, later.reason) == ("skipped", "inactive", "inactive")
    [link] = both.links("people")
    assert (
        link.inactive
        and link.last_error == f"partner record {contact['id']} not found: deleted in the app?"
    )


def test_a_person_whose_organization_is_not_linked_waits_then_applies(
    both: Sides, direct: Direct
) -> None:
    organization = other_app(both, "organizations", {"id": "o1", "name": "Doe"})
    person = other_app(
        both, "people", {"id": "p1", "last_name": "Lee", "organization_id": organization["id"]}
    )

    waiting = direct.from_connec("people", person)
    direct.from_connec("organizations", organization)
    applied = direct.from_connec("people", person, attempts=1)

    assert (waiting.outcome, waiting.reason) == ("retried", "missing_reference")
    assert applied.outcome == "applied"
    [company], [contact] = both.partner_records("companies"), both.partner_records("contacts")
    assert contact["company_id"] == company["id"]


def test_a_record_the_partner_cannot_take_without_a_dropped_field_is_dead_lettered_naming_it(
    direct: Direct,
) -> None:
    record = {
        "id": [{"id": "c-1", "provider": "connec", "realm": "org"}],
        "name": 12,
        "updated_at": "2026-11-27T10:00:00Z",
    }
    verdict = direct.from_connec("organizations", {**record, "is_customer": "maybe"})
    assert (verdict.outcome, verdict.reason) == ("dead_lettered", "invalid")
    assert set(json.loads(verdict.error)) == {"name"}  # is_customer alone would be dropped


def test_a_record_deleted_in_the_app_is_archived_in_connec_and_a_never_linked_one_is_skipped(
    both: Sides, direct: Direct
) -> None:
    item = both.partner.state.user_create(ACCOUNT, "products", {"name": "Widget"})
    direct.from_partner("items", item, "created")

    deleted = direct.from_partner(
        "items", {"id": item["id"]}, "deleted", updated_at="2099-01-01T00:00:00Z"
    )
    unknown = direct.from_partner(
        "items", {"id": "p_404"}, "deleted", updated_at="2099-01-01T00:00:00Z"
    )

    assert (deleted.outcome, unknown.reason) == ("applied", "not_linked")
    [archived] = both.connec_records("items")
    assert archived["status"] == "ARCHIVED"
    [link] = both.links("items")
    assert link.inactive


def test_records_of_a_disabled_organization_or_an_entity_turned_off_are_skipped(
    both: Sides, direct: Direct
) -> None:
    organization = both.organization
    both.store.organizations.update(organization.id, entities={"people": "to-app"})
    direct_off = Direct(both)  # a fresh handler: no cached organization
    contact = both.partner.state.user_create(ACCOUNT, "contacts", {"first_name": "Bo"})
    assert direct_off.from_partner("people", contact).reason == "direction_off"
    both.store.organizations.update(organization.id, enabled=False)
    assert Direct(both).from_partner("people", contact).reason == "disabled"


def test_under_recent_an_older_connec_change_loses_to_a_newer_partner_change_and_connec_can_win(
    both: Sides, direct: Direct
) -> None:
    company = both.partner.state.user_create(ACCOUNT, "companies", {"name": "Partner Co"})
    direct.from_partner("organizations", {**company, "updated_at": "2026-11-27T10:05:00Z"})
    [record] = both.connec_records("organizations")
    older = {**record, "name": "Old edit", "updated_at": "2026-11-27T10:01:00Z"}

    assert direct.from_connec("organizations", older).reason == "conflict"
    both.store.organizations.update(both.organization.id, conflict_winner="connec")
    winner = Direct(both).from_connec(
        "organizations", {**older, "updated_at": "2026-11-27T10:02:00Z"}
    )
    assert winner.outcome == "applied"
    assert both.partner_records("companies")[0]["name"] == "Old edit"


def test_a_partner_record_referring_to_a_record_not_in_connec_yet_waits(
    both: Sides, direct: Direct
) -> None:
    company = both.partner.state.user_create(ACCOUNT, "companies", {"name": "Co"})
    contact = both.partner.state.user_create(
        ACCOUNT, "contacts", {"first_name": "Al", "company_id": company["id"]}
    )

    waiting = direct.from_partner("people", contact, "created")
    direct.from_partner("organizations", company, "created")
    applied = direct.from_partner("people", contact, "created")

    assert (waiting.reason, applied.outcome) == ("missing_reference", "applied")
    [person] = both.connec_records("people")
    assert any(entry["id"] == company["id"] for entry in person["organization_id"])


def test_a_stale_connec_copy_in_the_second_of_a_partner_edit_is_read_again_and_skipped_as_echo(
    both: Sides, direct: Direct
) -> None:
    """A full sync reads both sides: Connec!'s copy from before a partner edit carries a whole
    second that ties with the edit's time in microseconds, so which came first is unknown."""
    company = both.partner.state.user_create(ACCOUNT, "companies", {"name": "Globex"})
    direct.from_partner("organizations", {**company, "updated_at": "2026-11-27T10:00:01.200Z"})
    [record] = both.connec_records("organizations")
    stale = {**record, "updated_at": "2026-11-27T10:00:03Z"}
    edited = both.partner.state.user_edit(
        ACCOUNT, "companies", company["id"], {"name": "Globex Corp"}
    )
    edit = direct.from_partner(
        "organizations", {**edited, "updated_at": "2026-11-27T10:00:03.917Z"}
    )

    late = direct.from_connec("organizations", stale)

    assert (edit.outcome, late.outcome, late.reason) == ("applied", "skipped", "echo")
    assert both.partner_records("companies")[0]["name"] == "Globex Corp"
    assert both.connec_records("organizations")[0]["name"] == "Globex Corp"


def test_a_stale_partner_copy_in_the_second_of_a_connec_edit_is_read_again_and_skipped_as_echo(
    both: Sides, direct: Direct
) -> None:
    record = other_app(both, "organizations", {"id": "o1", "name": "Initech"})
    direct.from_connec("organizations", {**record, "updated_at": "2026-11-27T10:00:01Z"})
    [company] = both.partner_records("companies")
    stale = {**company, "updated_at": "2026-11-27T10:00:03.100Z"}
    connec_id = record["id"][0]["id"]
    edited = both.connec.state.user_edit(GROUP, "organizations", connec_id, {"name": "Initech Ltd"})
    edit = direct.from_connec("organizations", {**edited, "updated_at": "2026-11-27T10:00:03Z"})

    late = direct.from_partner("organizations", stale)

    assert (edit.outcome, late.outcome, late.reason) == ("applied", "skipped", "echo")
    assert both.connec_records("organizations")[0]["name"] == "Initech Ltd"
    assert both.partner_records("companies")[0]["name"] == "Initech Ltd"


def test_a_connec_edit_in_the_second_of_a_partner_edit_that_came_after_it_is_applied(
    both: Sides, direct: Direct
) -> None:
    """The same tie, but Connec!'s current record is a user's later edit: it is applied."""
    company = both.partner.state.user_create(ACCOUNT, "companies", {"name": "Hooli"})
    direct.from_partner("organizations", {**company, "updated_at": "2026-11-27T10:00:03.100Z"})
    [record] = both.connec_records("organizations")
    connec_id = record["id"][0]["id"]
    edited = both.connec.state.user_edit(GROUP, "organizations", connec_id, {"name": "Hooli XYZ"})

    later = direct.from_connec("organizations", {**edited, "updated_at": "2026-11-27T10:00:03Z"})

    assert later.outcome == "applied"
    assert both.partner_records("companies")[0]["name"] == "Hooli XYZ"
