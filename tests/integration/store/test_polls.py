"""The poller's state in the store: a cursor and a poll count per organization and entity, and
a lease per organization that only one poller holds at a time, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest

from connec_sync.store import Store
from connec_sync.store.clock import utcnow

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
def organization_id(store_url):
    store = Store.open(store_url)
    try:
        organization = store.organizations.upsert(
            tenant="default", group_id="cld-poll", account="books", entities={}
        )
        yield store, organization.id
    finally:
        store.close()


def test_a_cursor_and_the_polls_since_a_sweep_are_kept_per_entity(organization_id) -> None:
    store, org = organization_id
    fresh = store.polls.state(org, "people")
    assert (fresh.cursor, fresh.polls, fresh.swept_at) == (None, 0, None)
    cursor = {"written": ["2026-12-02T10:00:00.123456+00:00", 42], "created": None}
    store.polls.save(org, "people", cursor=cursor)
    store.polls.save(org, "people", polls=3)
    kept = store.polls.state(org, "people")
    assert (kept.cursor, kept.polls) == (cursor, 3)
    assert store.polls.state(org, "items").cursor is None
    store.polls.save(org, "people", polls=0, swept_at=utcnow())
    assert store.polls.state(org, "people").swept_at is not None
    assert store.polls.state(org, "people").cursor == cursor


def test_one_poller_holds_an_account_until_it_releases_it_or_its_lease_runs_out(
    organization_id,
) -> None:
    store, org = organization_id
    assert store.polls.take_lease(org, "poller-a", 60)
    assert not store.polls.take_lease(org, "poller-b", 60)
    assert store.polls.take_lease(org, "poller-a", 60)  # renewed by its holder
    store.polls.release_lease(org, "poller-b")  # not b's to release
    assert not store.polls.take_lease(org, "poller-b", 60)
    store.polls.release_lease(org, "poller-a")
    assert store.polls.take_lease(org, "poller-b", 0.2)
    assert not store.polls.take_lease(org, "poller-a", 60)
    time.sleep(0.4)
    assert store.polls.take_lease(org, "poller-a", 60)  # b stopped renewing: its lease ran out
