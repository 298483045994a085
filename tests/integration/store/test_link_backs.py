"""Pending link-backs on SQLite and on PostgreSQL: a claim takes the oldest due rows, never one
that another sender holds or that is not due, and each claimed row carries its group."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from connec_sync.store import Store
from connec_sync.store.clock import utcnow


@pytest.fixture
def store(store_url: str):  # type: ignore[no-untyped-def]
    opened = Store.open(store_url)
    yield opened
    opened.close()


def pending(store: Store, count: int, group: str = "cld-1") -> list[int]:
    org = store.organizations.upsert(
        tenant="default", group_id=group, account=f"acct-{group}", entities={"people": "both"}
    )
    ids = []
    for n in range(count):
        link, _ = store.id_map.claim(org.id, "people", connec_id=f"{group}-c{n}")
        store.id_map.update(link.id, partner_id=f"{group}-p{n}", pending_link_back=f'{{"n":{n}}}')
        ids.append(link.id)
    return ids


def test_a_claim_takes_the_oldest_due_rows_with_their_group(store: Store) -> None:
    first = pending(store, 3, "cld-1")
    second = pending(store, 2, "cld-2")
    until = utcnow() + timedelta(seconds=30)
    claimed = store.link_backs.claim_due(until, limit=4)
    assert [row.link_id for row in claimed] == (first + second)[:4]
    assert [(row.tenant, row.group_id) for row in claimed] == [("default", "cld-1")] * 3 + [
        ("default", "cld-2")
    ]
    assert claimed[0].body == '{"n":0}' and claimed[0].entity == "people"
    assert claimed[0].connec_id == "cld-1-c0" and claimed[0].tries == 0
    # claimed rows are not due again before `until`; the one left is
    assert [row.link_id for row in store.link_backs.claim_due(until)] == second[1:]
    assert store.link_backs.claim_due(until) == []


def test_postponed_rows_wait_and_sent_rows_are_gone(store: Store) -> None:
    ids = pending(store, 2)
    rows = store.link_backs.claim_due(utcnow() + timedelta(seconds=30))
    store.link_backs.postpone(ids[0], rows[0].body, utcnow() + timedelta(hours=1), 1)
    store.link_backs.sent([(ids[1], rows[1].body)])
    assert store.link_backs.claim_due(utcnow() + timedelta(days=1)) == []
    assert store.link_backs.count() == 1


def test_concurrent_senders_never_claim_one_row_twice(store: Store) -> None:
    ids = pending(store, 60)
    until = utcnow() + timedelta(seconds=30)

    def claim(_: int) -> list[int]:
        return [row.link_id for row in store.link_backs.claim_due(until, limit=7)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        taken = [link for claimed in pool.map(claim, range(12)) for link in claimed]
    assert sorted(taken) == sorted(set(taken))
    rest = [row.link_id for row in store.link_backs.claim_due(until, limit=100)]
    assert sorted(taken + rest) == ids
