"""The store on SQLite and on PostgreSQL: organizations, the id map, sync runs, upgrades."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect, text

from connec_sync.store import RunAlreadyGoing, Store
from connec_sync.store.engine import make_engine
from connec_sync.store.migrations import LATEST, current_version, upgrade


@pytest.fixture
def store(store_url: str):  # type: ignore[no-untyped-def]
    opened = Store.open(store_url)
    yield opened
    opened.close()


def link(store: Store, group: str = "cld-1", account: str = "acct-1"):  # type: ignore[no-untyped-def]
    return store.organizations.upsert(
        tenant="default", group_id=group, account=account, entities={"people": "both"}
    )


def test_an_organization_is_found_by_group_and_by_account(store: Store) -> None:
    org = link(store)
    assert store.organizations.by_group("default", "cld-1") == org
    assert store.organizations.by_account("acct-1") == org
    assert org.allows("people", "to-app") and not org.allows("items", "to-app")


def test_linking_again_updates_the_settings_instead_of_duplicating(store: Store) -> None:
    link(store)
    again = store.organizations.upsert(
        tenant="default",
        group_id="cld-1",
        account="acct-1",
        entities={"people": "to-connec"},
        enabled=False,
        conflict_winner="connec",
    )
    assert len(store.organizations.all()) == 1
    assert again.entities == {"people": "to-connec"} and not again.enabled
    assert not again.allows("people", "to-connec")  # disabled


def test_processes_linking_one_group_at_the_same_instant_all_start(store: Store) -> None:
    # replicas starting together each link the settings' organizations (link_configured)
    with ThreadPoolExecutor(max_workers=8) as pool:
        linked = list(pool.map(lambda _: link(store), range(16)))
    assert len({org.id for org in linked}) == 1
    assert len(store.organizations.all()) == 1


def test_one_partner_account_links_to_one_group_only(store: Store) -> None:
    link(store)
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        link(store, group="cld-2", account="acct-1")


def test_concurrent_claims_of_one_record_have_exactly_one_winner(store: Store) -> None:
    org = link(store)

    def claim(_: int) -> bool:
        return store.id_map.claim(org.id, "people", connec_id="c-1")[1]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(claim, range(16)))
    assert results.count(True) == 1
    assert len(store.id_map.links(org.id, "people")) == 1


def test_a_partner_id_belongs_to_one_link_per_organization_and_entity(store: Store) -> None:
    org = link(store)
    first, _ = store.id_map.claim(org.id, "people", connec_id="c-1")
    store.id_map.update(first.id, partner_id="p-1")
    second, claimed = store.id_map.claim(org.id, "people", partner_id="p-1")
    assert not claimed and second.id == first.id
    assert store.id_map.find(org.id, "people", partner_id="p-1").connec_id == "c-1"


def test_a_second_sync_run_is_refused_while_one_is_running(store: Store) -> None:
    org = link(store)
    run = store.runs.start(org.id, "full")
    with pytest.raises(RunAlreadyGoing):
        store.runs.start(org.id, "incremental")
    store.runs.finish(run.id, "succeeded", {"people": {"to-app": 3}})
    assert store.runs.last_success(org.id).counts == {"people": {"to-app": 3}}
    assert store.runs.start(org.id, "incremental").state == "running"


def test_sync_runs_started_at_the_same_instant_have_exactly_one_winner(store: Store) -> None:
    org = link(store)

    def start(_: int) -> bool:
        try:
            store.runs.start(org.id, "full")
        except RunAlreadyGoing:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(start, range(16)))
    assert results.count(True) == 1


def test_an_upgrade_closes_duplicate_running_runs_before_keeping_one(store_url: str) -> None:
    engine = make_engine(store_url)
    with engine.begin() as conn:
        assert upgrade(conn, target=6) == [1, 2, 3, 4, 5, 6]
        conn.execute(
            text(
                "INSERT INTO organizations (tenant, group_id, account, entities, enabled, "
                "conflict_winner, created_at, updated_at) VALUES ('default', 'cld-8', 'acct-8', "
                "'{\"people\": \"both\"}', true, 'recent', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        for _ in range(2):  # the race of version 6
            conn.execute(
                text(
                    "INSERT INTO sync_runs (organization_id, mode, state, counts, started_at) "
                    "SELECT id, 'full', 'running', '{}', CURRENT_TIMESTAMP FROM organizations"
                )
            )
    engine.dispose()
    store = Store.open(store_url)
    try:
        org = store.organizations.by_account("acct-8")
        assert org is not None
        states = sorted(run.state for run in store.runs.latest(org.id))
        assert states == ["failed", "running"]
        with pytest.raises(RunAlreadyGoing):
            store.runs.start(org.id, "incremental")
    finally:
        store.close()


def test_a_version_1_database_upgrades_without_losing_data(store_url: str) -> None:
    engine = make_engine(store_url)
    with engine.begin() as conn:
        assert upgrade(conn, target=1) == [1]
        conn.execute(
            text(
                "INSERT INTO organizations (tenant, group_id, account, entities, enabled, "
                "conflict_winner, created_at, updated_at) VALUES ('default', 'cld-9', 'acct-9', "
                "'{\"people\": \"both\"}', true, 'recent', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO id_map (organization_id, entity, connec_id, partner_id, inactive, "
                "created_at, updated_at) SELECT id, 'people', 'c-9', 'p-9', false, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM organizations"
            )
        )
    assert "lease_owner" not in {c["name"] for c in inspect(engine).get_columns("id_map")}
    engine.dispose()
    store = Store.open(store_url)
    try:
        org = store.organizations.by_account("acct-9")
        assert org is not None and org.entities == {"people": "both"}
        assert store.id_map.find(org.id, "people", connec_id="c-9").partner_id == "p-9"
        columns = {c["name"] for c in inspect(store.engine).get_columns("id_map")}
        assert {"lease_owner", "lease_until"} <= columns
        with store.engine.begin() as conn:
            assert current_version(conn) == LATEST
            assert upgrade(conn) == []  # opening again changes nothing
    finally:
        store.close()


def test_id_map_ids_outlast_2_to_the_31_on_postgresql(postgres_store_url: str) -> None:
    # a lease is an upsert (IdMap.claim_or_lease): PostgreSQL draws an id for each one
    store = Store.open(postgres_store_url)
    try:
        org = store.organizations.upsert(
            tenant="default", group_id="cld-w", account="acct-w", entities={"people": "both"}
        )
        with store.engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('id_map', 'id'), 2147483647)"))
        link, claimed = store.id_map.claim(org.id, "people", connec_id="c-wide")
        assert claimed and link.id == 2**31
        assert store.id_map.find(org.id, "people", connec_id="c-wide").id == 2**31
    finally:
        store.close()
