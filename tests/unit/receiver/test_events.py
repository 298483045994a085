from __future__ import annotations

import dataclasses

import pytest

from connec_sync.store.organizations import Organization
from mappers.registry import EntityTable, entity
from producers.events import InvalidEvents, parse_events, split_events
from tests.unit.receiver.support import fixture

ORG = Organization(1, "default", "cld-9ax2", "acct-2243", {"people": "both", "items": "to-app"})


def test_the_fixture_events_become_envelopes_for_the_entities_sent_to_connec() -> None:
    batch = parse_events(fixture("partner_event__contact_updated.json")["body"])
    envelopes, ignored = split_events(batch, ORG)

    assert [e.entity for e in envelopes] == ["people"]
    assert dict(ignored) == {"direction_off": 1}  # products -> items is to-app only here
    contact = envelopes[0]
    assert (contact.source, contact.direction, contact.action) == (
        "app",
        "to-connec",
        "updated",
    )
    assert (contact.account, contact.group_id, contact.tenant) == (
        "acct-2243",
        "cld-9ax2",
        "default",
    )
    assert contact.updated_at == "2026-11-27T10:11:12.123456Z"


def test_a_deleted_event_takes_its_version_from_occurred_at() -> None:
    org = Organization(1, "default", "cld-9ax2", "acct-2243", {"items": "both"})
    batch = parse_events(fixture("partner_event__contact_updated.json")["body"])
    envelopes, _ = split_events(batch, org)
    assert envelopes[0].action == "deleted"
    assert envelopes[0].updated_at == "2026-11-27T10:11:13.000000Z"


def test_events_of_an_account_not_linked_are_all_ignored() -> None:
    batch = parse_events(fixture("partner_event__contact_updated.json")["body"])
    envelopes, ignored = split_events(batch, None)
    assert envelopes == [] and dict(ignored) == {"account_not_linked": 2}


def test_events_of_a_resource_this_system_does_not_share_are_ignored() -> None:
    batch = parse_events(
        {
            "account": "a",
            "events": [{"resource": "venues", "action": "created", "record": {"id": 1}}],
        }
    )
    assert dict(split_events(batch, ORG)[1]) == {"unknown_resource": 1}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([], "JSON object"),
        ({"events": []}, "account"),
        ({"account": "a", "events": {}}, "events must be an array"),
        ({"account": "a", "events": [3]}, r"events\[0\] must be an object"),
        (
            {"account": "a", "events": [{"action": "updated", "record": {"id": 1}}]},
            r"events\[0\].resource",
        ),
        (
            {
                "account": "a",
                "events": [{"resource": "contacts", "action": "x", "record": {"id": 1}}],
            },
            "action",
        ),
        (
            {
                "account": "a",
                "events": [{"resource": "contacts", "action": "created", "record": {}}],
            },
            "record",
        ),
        (
            {
                "account": "a",
                "events": [
                    {
                        "resource": "contacts",
                        "action": "created",
                        "record": {"id": 1},
                        "occurred_at": 5,
                    }
                ],
            },
            "occurred_at",
        ),
    ],
)
def test_malformed_event_batches_are_refused_naming_the_problem(body: object, problem: str) -> None:
    with pytest.raises(InvalidEvents, match=problem):
        parse_events(body)


def test_events_name_resources_as_the_configured_partner_app_does() -> None:
    renamed = EntityTable((dataclasses.replace(entity("people"), resource="persons"),))
    body = {
        "account": "acct-1",
        "events": [
            {
                "resource": "persons",
                "action": "updated",
                "record": {"id": "7", "updated_at": "2026-12-02T10:00:00Z"},
            },
            {"resource": "contacts", "action": "updated", "record": {"id": "8"}},
        ],
    }
    envelopes, ignored = split_events(parse_events(body), ORG, renamed.names)
    assert [(e.entity, e.record["id"]) for e in envelopes] == [("people", "7")]
    assert ignored == {"unknown_resource": 1}
