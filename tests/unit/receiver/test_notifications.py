from __future__ import annotations

import pytest

from connec_sync.store.organizations import Organization
from producers.notifications import InvalidNotification, collection_name, split_notification
from tests.unit.receiver.support import fixture

LINKED = Organization(
    1, "default", "cld-9ax2", "acct-2243", {"organizations": "both", "people": "to-app"}
)


def find(tenant: str, group_id: str) -> Organization | None:
    return LINKED if (tenant, group_id) == ("default", "cld-9ax2") else None


@pytest.mark.parametrize(
    ("key", "collection"),
    [
        ("Person", "people"),
        ("people", "people"),
        ("person", "people"),
        ("Organization", "organizations"),
        ("organizations", "organizations"),
        ("Invoice", "invoices"),
        ("items", "items"),
        ("TaxCode", "tax_codes"),
        ("Opportunity", "opportunities"),
        ("TimeActivity", "time_activities"),
        ("company", "company"),
        ("Company", "company"),
        ("sales_order", "sales_orders"),
    ],
)
def test_collection_keys_are_normalised_to_lowercase_plural(key: str, collection: str) -> None:
    assert collection_name(key) == collection


def test_the_mixed_batch_yields_one_envelope_per_linked_record_and_counts_the_rest() -> None:
    split = split_notification(fixture("connec_webhook__mixed_batch.json"), "default", find)

    assert [(e.entity, e.record["code"]) for e in split.envelopes] == [
        ("organizations", "OR7"),
        ("people", "PE12"),
    ]
    assert dict(split.ignored) == {"group_not_linked": 1, "unknown_collection": 1}
    person = split.envelopes[1]
    assert person.source == "connec" and person.direction == "to-app"
    assert (person.tenant, person.group_id, person.account) == (
        "default",
        "cld-9ax2",
        "acct-2243",
    )
    assert person.updated_at == "2026-11-27T10:11:13Z" and person.origin == "webhook"


def test_records_of_an_entity_whose_direction_is_off_are_ignored() -> None:
    body = {"items": [{"id": "x", "group_id": "cld-9ax2"}], "invoices": [{"group_id": "cld-9ax2"}]}
    assert dict(split_notification(body, "default", find).ignored) == {"direction_off": 2}


def test_a_linked_record_without_an_entity_to_app_direction_is_left_out() -> None:
    org = Organization(1, "default", "cld-9ax2", "a", {"people": "to-connec"})
    split = split_notification({"people": [{"group_id": "cld-9ax2"}]}, "default", lambda t, g: org)
    assert split.envelopes == [] and split.ignored["direction_off"] == 1


@pytest.mark.parametrize(
    "record", ["a string", 7, None, [], {"id": "no group"}, {"group_id": ""}, {"group_id": 5}]
)
def test_records_without_a_usable_group_are_ignored_as_no_group(record: object) -> None:
    split = split_notification({"people": [record]}, "default", find)
    assert split.envelopes == [] and split.ignored["no_group"] == 1


def test_a_linked_record_with_odd_fields_is_still_published_for_the_consumer_to_judge() -> None:
    record = {"group_id": "cld-9ax2", "updated_at": 12345, "first_name": ["not", "a", "name"]}
    split = split_notification({"people": [record]}, "default", find)
    assert len(split.envelopes) == 1 and split.envelopes[0].updated_at is None


def test_unknown_collections_are_ignored_whatever_their_shape() -> None:
    split = split_notification({"venues": {"not": "a list"}, "Venue": [1, 2, 3]}, "default", find)
    assert split.ignored["unknown_collection"] == 4


@pytest.mark.parametrize("body", [[], "text", 3, None])
def test_a_body_that_is_not_an_object_is_refused(body: object) -> None:
    with pytest.raises(InvalidNotification, match="JSON object"):
        split_notification(body, "default", find)


def test_a_handled_collection_that_is_not_an_array_is_refused_naming_it() -> None:
    with pytest.raises(InvalidNotification, match="'Person' must be an array"):
        split_notification({"Person": {"group_id": "cld-9ax2"}}, "default", find)
