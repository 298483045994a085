"""Records applied with dropped fields, as `status` and `/status` show them per organization:
the store keeps the latest examples (each field left out, and why)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from commands.status import render_organizations
from connec_sync.store import Store, dropped_fields
from operators.status import organization_facts
from operators.status_page import render_page
from tests.unit.operators.status_facts import sample_facts

COUNTRY = [{"field": "address_work.billing.country", "reason": "Not a country: 'Atlantis'."}]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.close()


def organization(store: Store, group_id: str) -> int:
    return store.organizations.upsert(
        tenant="default", group_id=group_id, account=f"acct-{group_id}", entities={}
    ).id


def test_the_latest_examples_are_kept_per_organization_newest_first(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dropped_fields, "KEPT_PER_ORGANIZATION", 3)
    ours, theirs = organization(store, "cld-1"), organization(store, "cld-2")
    for number in range(5):
        store.dropped_fields.add(ours, "people", "to-app", f"c-{number}", f"P{number}", COUNTRY)
    store.dropped_fields.add(theirs, "invoices", "to-connec", "inv-1", None, COUNTRY)

    latest = store.dropped_fields.latest(ours, limit=10)

    assert [each.record_id for each in latest] == ["c-4", "c-3", "c-2"]
    assert latest[0].fields == COUNTRY and latest[0].name == "P4"
    assert store.dropped_fields.counts(ours) == {("people", "to-app"): 3}
    assert store.dropped_fields.counts(theirs) == {("invoices", "to-connec"): 1}


def test_status_lists_records_applied_with_dropped_fields_with_the_latest_examples(
    store: Store,
) -> None:
    ours = organization(store, "cld-1")
    store.dropped_fields.add(ours, "people", "to-app", "c-7", "Bea <i>", COUNTRY)

    [facts] = organization_facts(store)
    text = "\n".join(render_organizations([facts]))
    page = render_page(sample_facts(organizations=[facts]))

    assert facts["dropped_fields"]["records"] == [
        {"entity": "people", "direction": "to-app", "count": 1}
    ]
    assert "records applied with dropped fields (latest kept): people to-app: 1" in text
    assert "address_work.billing.country (Not a country: 'Atlantis'.)" in text
    assert "Records applied with dropped fields" in page and "Bea &lt;i&gt;" in page
    assert "address_work.billing.country: Not a country: &#x27;Atlantis&#x27;." in page


def test_an_organization_without_dropped_fields_says_so_on_the_page(store: Store) -> None:
    organization(store, "cld-1")
    [facts] = organization_facts(store)
    assert "no record applied with dropped fields" in render_page(
        sample_facts(organizations=[facts])
    )
    assert not any("dropped" in line for line in render_organizations([facts]))
