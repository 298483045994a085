from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connec_sync.naming import TO_APP
from connec_sync.store import Store
from connec_sync.store.idmap import LinkConflict
from consumers.guard import Guard, Version, normalised_time
from consumers.outcomes import Deferred, Rejected, Skip

_numbers = itertools.count()


def organization(store: Store) -> int:
    linked = store.organizations.upsert(
        tenant="default", group_id="cld-g", account="acct-g", entities={"people": "both"}
    )
    return linked.id


def version(second: int, content: str) -> Version:
    return Version.of(f"2026-11-27T10:00:{second:02d}Z", {"first_name": content})


def apply(
    guard: Guard, org: int, connec_id: str, offered: Version, current: Version
) -> Version | None:
    """One delivery through the guard (a tie reads the source's `current` version); the
    version applied, or None."""
    try:
        with guard.holding(org, "people", connec_id=connec_id) as hold:
            if hold.check_version(TO_APP, offered):
                offered = current
                hold.check_version(TO_APP, offered)
            hold.record(TO_APP, offered)
            return offered
    except Skip:
        return None


def test_times_are_normalised_to_utc_with_microseconds_so_string_order_is_time_order() -> None:
    assert normalised_time("2026-11-27T10:11:12Z") == "2026-11-27T10:11:12.000000+00:00"
    assert normalised_time("2026-11-27T11:11:12.5+01:00") == "2026-11-27T10:11:12.500000+00:00"
    assert normalised_time("2026-11-27T10:11:12") == "2026-11-27T10:11:12.000000+00:00"
    with pytest.raises(Rejected, match="updated_at"):
        normalised_time("yesterday")


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    writes=st.lists(st.tuples(st.integers(0, 5), st.sampled_from("abc")), min_size=1, max_size=8),
    data=st.data(),
)
def test_any_interleaving_of_versions_and_duplicates_ends_with_the_current_one_never_going_back(
    store: Store, writes: list[tuple[int, str]], data: st.DataObject
) -> None:
    """Writes happen at the source in time order (several may share a second, as in Connec!);
    their notifications arrive shuffled and duplicated."""
    guard, org = Guard(store.id_map, "owner-a"), organization(store)
    connec_id = f"c-{next(_numbers)}"
    written = [version(*each) for each in sorted(writes, key=lambda each: each[0])]
    current = written[-1]
    repeats = data.draw(st.lists(st.sampled_from(written)))
    deliveries = data.draw(st.permutations(written + repeats))
    applied = [v for v in (apply(guard, org, connec_id, d, current) for d in deliveries) if v]
    assert [v.at for v in applied] == sorted(v.at for v in applied)  # never back in time
    assert all(a != b for a, b in zip(applied, applied[1:], strict=False))  # never twice
    assert applied[-1] == current
    link = store.id_map.find(org, "people", connec_id=connec_id)
    assert (link.to_app_version, link.to_app_hash) == (current.at, current.digest)


def test_a_record_held_by_another_consumer_is_deferred_as_busy_and_released_after(
    store: Store,
) -> None:
    org = organization(store)
    first, second = Guard(store.id_map, "a"), Guard(store.id_map, "b", busy_wait_s=0.05)
    with first.holding(org, "people", connec_id="c-1"):
        with pytest.raises(Deferred) as busy, second.holding(org, "people", connec_id="c-1"):
            pass
        assert busy.value.reason == "record_busy"
    with second.holding(org, "people", connec_id="c-1") as hold:
        assert hold.link.lease_owner == "b"


def test_an_expired_lease_of_a_dead_consumer_is_taken_over(store: Store) -> None:
    org = organization(store)
    link, _ = store.id_map.claim(org, "people", connec_id="c-1")
    past = datetime.now(UTC) - timedelta(seconds=1)
    store.id_map.update(link.id, lease_owner="dead", lease_until=past)
    with Guard(store.id_map, "alive", busy_wait_s=0).holding(
        org, "people", connec_id="c-1"
    ) as hold:
        assert hold.link.lease_owner == "alive"


def test_concurrent_consumers_never_hold_one_record_at_the_same_time(store: Store) -> None:
    org, inside, overlaps, lock = organization(store), [0], [], threading.Lock()

    def consumer(owner: str) -> None:
        guard = Guard(store.id_map, owner, busy_wait_s=30)
        for _ in range(15):
            with guard.holding(org, "people", connec_id="c-shared"):
                with lock:
                    inside[0] += 1
                    overlaps.append(inside[0])
                with lock:
                    inside[0] -= 1

    threads = [threading.Thread(target=consumer, args=(f"o{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(overlaps) == 60 and max(overlaps) == 1
    assert len(store.id_map.links(org, "people")) == 1


def test_joining_an_id_held_by_a_bare_link_merges_it_and_a_linked_holder_is_a_conflict(
    store: Store,
) -> None:
    org = organization(store)
    from_partner, _ = store.id_map.claim(org, "people", partner_id="p-1")
    echo, _ = store.id_map.claim(org, "people", connec_id="c-1")
    store.id_map.update(echo.id, to_app_version="2026-11-27T10:00:00.000000+00:00")
    joined = store.id_map.join_ids(from_partner.id, connec_id="c-1")
    assert (joined.connec_id, joined.partner_id) == ("c-1", "p-1")
    assert joined.to_app_version == "2026-11-27T10:00:00.000000+00:00"
    assert [link.id for link in store.id_map.links(org, "people")] == [from_partner.id]
    other, _ = store.id_map.claim(org, "people", connec_id="c-2", partner_id="p-2")
    with pytest.raises(LinkConflict):
        store.id_map.join_ids(joined.id, connec_id="c-2")
    assert other.partner_id == "p-2"
