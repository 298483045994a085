"""The store's dead letters on SQLite: kept once, filtered, claimed once, purged, counted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from connec_sync.store import DeadLetterFilter, Store


@pytest.fixture
def store(sqlite_store_url: str) -> Iterator[Store]:
    opened = Store.open(sqlite_store_url)
    yield opened
    opened.close()


def row(fingerprint: str, **changes: Any) -> dict[str, Any]:
    base = {
        "fingerprint": fingerprint,
        "message_id": f"m-{fingerprint}",
        "entity": "people",
        "direction": "to-app",
        "reason": "invalid",
        "error": "name: required",
        "attempts": 1,
        "first_failure": None,
        "last_failure": datetime(2024, 5, 1, 10, tzinfo=UTC),
        "lane": "live",
        "headers": {"x-reason": "invalid"},
        "envelope": {"message_id": "x"},
        "body": None,
    }
    return base | changes


def test_a_dead_letter_kept_twice_is_stored_once(store: Store) -> None:
    assert store.dead_letters.add(**row("a")) is True
    assert store.dead_letters.add(**row("a")) is False
    assert [letter.fingerprint for letter in store.dead_letters.find(DeadLetterFilter())] == ["a"]


def test_find_filters_by_entity_direction_reason_since_and_id(store: Store) -> None:
    store.dead_letters.add(**row("a"))
    store.dead_letters.add(**row("b", entity="items", reason="retries_exhausted"))
    store.dead_letters.add(
        **row("c", direction="to-connec", last_failure=datetime(2024, 6, 1, tzinfo=UTC))
    )
    find = store.dead_letters.find

    def prints(**where: Any) -> list[str]:
        return [letter.fingerprint for letter in find(DeadLetterFilter(**where))]

    assert prints(entity="items") == ["b"]
    assert prints(reason="invalid") == ["a", "c"]
    assert prints(direction="to-connec") == ["c"]
    assert prints(since=datetime(2024, 5, 15, tzinfo=UTC)) == ["c"]
    first = find(DeadLetterFilter())[0]
    assert prints(ids=(first.id,)) == ["a"]


def test_only_one_claim_of_a_dead_letter_succeeds_and_a_replayed_one_is_never_claimed(
    store: Store,
) -> None:
    store.dead_letters.add(**row("a"))
    letter = store.dead_letters.find(DeadLetterFilter())[0]
    assert store.dead_letters.claim(letter.id) is True
    assert store.dead_letters.claim(letter.id) is False
    assert store.dead_letters.get(letter.id).state == "replaying"
    assert store.dead_letters.claim(letter.id, include_stuck=True) is True
    store.dead_letters.mark_replayed(letter.id)
    replayed = store.dead_letters.get(letter.id)
    assert replayed.state == "replayed" and replayed.replayed_at is not None
    assert store.dead_letters.claim(letter.id, include_stuck=True) is False
    assert store.dead_letters.find(DeadLetterFilter(), states=(None,)) == []


def test_a_released_claim_makes_the_dead_letter_pending_again(store: Store) -> None:
    store.dead_letters.add(**row("a"))
    letter = store.dead_letters.find(DeadLetterFilter())[0]
    store.dead_letters.claim(letter.id)
    store.dead_letters.release(letter.id)
    assert store.dead_letters.get(letter.id).state == "pending"


def test_purge_deletes_only_the_matching_dead_letters(store: Store) -> None:
    store.dead_letters.add(**row("a"))
    store.dead_letters.add(**row("b", reason="retries_exhausted"))
    assert store.dead_letters.purge(DeadLetterFilter(reason="invalid")) == 1
    assert [letter.reason for letter in store.dead_letters.find(DeadLetterFilter())] == [
        "retries_exhausted"
    ]


def test_counts_are_per_entity_direction_reason_and_replay_state(store: Store) -> None:
    for name in "abc":
        store.dead_letters.add(**row(name))
    store.dead_letters.claim(store.dead_letters.find(DeadLetterFilter())[0].id)
    assert store.dead_letters.counts() == [
        {
            "entity": "people",
            "direction": "to-app",
            "reason": "invalid",
            "state": "pending",
            "count": 2,
        },
        {
            "entity": "people",
            "direction": "to-app",
            "reason": "invalid",
            "state": "replaying",
            "count": 1,
        },
    ]
