"""The id map's driver path (connec_sync.store.sqlalchemy_execution) on SQLite and on
PostgreSQL: it answers as SQLAlchemy's own execution does (the parity test), what it writes reads
back the same through SQLAlchemy, its errors are SQLAlchemy's, and a failed write leaves the
store usable (the SQLite writers' turn is given back)."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Integer, column, select, text
from sqlalchemy.exc import IntegrityError

from connec_sync.store import IdLink, Store, tables
from connec_sync.store import idmap_sql as sql
from connec_sync.store.sqlalchemy_execution import Direct, EngineStatements


@pytest.fixture
def store(store_url: str):  # type: ignore[no-untyped-def]
    opened = Store.open(store_url)
    yield opened
    opened.close()


def organization_id(store: Store) -> int:
    org = store.organizations.upsert(
        tenant="default", group_id="cld-1", account="acct-1", entities={"people": "both"}
    )
    return int(org.id)


def test_a_claim_reads_back_the_same_through_sqlalchemy(store: Store) -> None:
    until = datetime(2026, 12, 1, 10, 30, 15, 123456, tzinfo=UTC)
    link, claimed = store.id_map.claim(
        organization_id(store), "people", connec_id="c-1", lease=("me", until), to_app_pending=True
    )
    assert claimed
    assert link.lease_until == until and link.to_app_pending is True and link.inactive is False
    with store.engine.connect() as conn:
        row = conn.execute(select(tables.id_map).where(tables.id_map.c.id == link.id)).one()
    assert row.lease_until == until
    assert (row.to_app_pending, row.inactive, row.link_back_tries) == (True, False, 0)
    assert row.created_at.tzinfo is not None


def test_lease_times_compare_in_the_database_as_times(store: Store) -> None:
    """ACQUIRE compares lease_until with now in SQL: on SQLite both are text, which only
    orders correctly in one format (the one SQLAlchemy writes)."""
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    link, _ = store.id_map.claim(organization_id(store), "people", connec_id="c-1")
    assert store.id_map.acquire_lease(link.id, "a", start + timedelta(seconds=30), start)
    before = start + timedelta(seconds=29, microseconds=999999)
    assert store.id_map.acquire_lease(link.id, "b", before + timedelta(seconds=30), before) is None
    after = start + timedelta(seconds=30, microseconds=1)
    taken = store.id_map.acquire_lease(link.id, "b", after + timedelta(seconds=30), after)
    assert taken is not None and taken.lease_owner == "b"


def test_a_driver_error_is_sqlalchemys_and_the_store_stays_usable(store: Store) -> None:
    org = organization_id(store)
    direct = Direct.of(store.engine)
    first, _ = store.id_map.claim(org, "people", connec_id="c-1")
    second, _ = store.id_map.claim(org, "people", connec_id="c-2")
    columns, bound = sql.params({"connec_id": "c-1"}, b_id=second.id)
    with pytest.raises(IntegrityError):
        direct.write(sql.update(columns, releasing=False, returning=False), bound)
    # the failed transaction was rolled back and its turn given back: the next write proceeds
    store.id_map.update(second.id, name="still writable")
    assert store.id_map.by_id(second.id).name == "still writable"
    assert store.id_map.by_id(first.id).connec_id == "c-1"


def test_a_statement_is_compiled_once_per_store(store: Store) -> None:
    direct = Direct.of(store.engine)
    assert direct.compiled(sql.RELEASE) is direct.compiled(sql.RELEASE)
    assert direct.compiled(sql.FIND["connec_id"]).columns[0][0] == "id"


def test_a_connection_the_server_dropped_is_replaced_without_an_error(
    postgres_store_url: str,
) -> None:
    """What the pool's pre-ping did for each checkout: the thread's kept connection, killed by
    the server (as by a restart), is replaced and the statement runs, once."""
    store = Store.open(postgres_store_url)
    try:
        org = organization_id(store)
        first, _ = store.id_map.claim(org, "people", connec_id="c-1")
        direct = Direct.of(store.engine)
        backend = direct.read(text_statement("SELECT pg_backend_pid() AS pid"), {})
        with store.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend["pid"]})
        second, claimed = store.id_map.claim(org, "people", connec_id="c-2")
        assert claimed and second.id != first.id
        assert direct.read(text_statement("SELECT pg_backend_pid() AS pid"), {}) != backend
        assert [link.connec_id for link in store.id_map.links(org)] == ["c-1", "c-2"]
    finally:
        store.close()


def text_statement(sql_text: str):  # type: ignore[no-untyped-def]
    return text(sql_text).columns(column("pid", Integer))


def test_threads_keep_connections_outside_the_pool(store: Store) -> None:
    """More threads than the pool holds (5 + 5 on PostgreSQL) each keep a connection."""
    org = organization_id(store)
    barrier = threading.Barrier(16)

    def claim(n: int) -> bool:
        barrier.wait(10)
        return store.id_map.claim(org, "people", connec_id=f"c-{n}")[1]

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert all(pool.map(claim, range(16)))
    assert len(store.id_map.links(org)) == 16


def a_record_applied(store: Store, statements: object, group: str, until: datetime) -> list[object]:
    """One record's life in the id map, its statements run by `statements`: what each call
    answered, and the row it left (without the ids, times and organization, which differ)."""
    store.id_map._direct = statements  # type: ignore[assignment]
    store.link_backs._direct = statements  # type: ignore[assignment]
    org = store.organizations.upsert(
        tenant="default", group_id=group, account=f"acct-{group}", entities={"people": "both"}
    )
    id_map = store.id_map
    link, claimed = id_map.claim(org.id, "people", connec_id="c-1", lease=("me", until))
    found = id_map.find(org.id, "people", connec_id="c-1")
    leased = id_map.acquire_lease(link.id, "me", until + timedelta(seconds=5))
    busy = id_map.acquire_lease(link.id, "other", until)
    joined = id_map.join_ids(link.id, partner_id="p-1", owner="me", name="Ann", to_app_pending=True)
    now = until - timedelta(seconds=60)
    new = id_map.claim_or_lease(
        org.id, "people", partner_id="p-2", lease=("me", until), now=now, to_app_pending=True
    )
    again = id_map.claim_or_lease(org.id, "people", partner_id="p-2", lease=("me", until), now=now)
    held = id_map.claim_or_lease(
        org.id, "people", partner_id="p-2", lease=("other", until), now=now
    )
    # a new link by its partner id, whose Connec! id another link holds: nothing is written
    taken = id_map.claim_or_lease(
        org.id, "people", connec_id="c-1", partner_id="p-3", lease=("me", until), now=now
    )
    id_map.record(
        link.id,
        "me",
        to_app_version="2026-12-01T10:00:00.000000+00:00",
        to_app_hash="h1",
        pending_link_back='{"people": {"id": []}}',
        link_back_due=None,
        link_back_tries=0,
    )
    claimed_backs = store.link_backs.claim_due(until)
    answers = [claimed, found, leased, busy, joined, id_map.by_id(link.id), new, again, held, taken]
    answers.append(id_map.find(org.id, "people", partner_id="p-3"))
    answers += [(back.entity, back.connec_id, back.body, back.tries) for back in claimed_backs]
    store.link_backs.sent([(back.link_id, back.body) for back in claimed_backs])
    answers.append(store.link_backs.count())
    return [_without_identity(answer) for answer in answers]


def _without_identity(answer: object) -> object:
    if not dataclasses.is_dataclass(answer) or isinstance(answer, type):
        return answer
    facts = dataclasses.asdict(answer)
    for name in ("id", "organization_id"):
        facts.pop(name, None)
    return facts


def test_the_driver_path_answers_as_sqlalchemys_own_execution(store: Store) -> None:
    """The parity test: the same calls, with the same inputs, through Direct and through
    EngineStatements (the library path it replaces) give the same answers and rows."""
    until = datetime.now(UTC) + timedelta(seconds=60)
    ours = a_record_applied(store, Direct.of(store.engine), "cld-driver", until)
    library = a_record_applied(store, EngineStatements(store.engine), "cld-library", until)
    assert ours == library
    assert ours[0] is True and ours[3] is None and ours[-2][0] == "people" and ours[-1] == 0
    new, again, held, taken, unmade = ours[6:11]
    assert new["to_app_pending"] is True and new["lease_owner"] == "me"
    assert again == new and (held, taken, unmade) == (None, None, None)


def test_the_id_map_statements_return_what_a_link_holds() -> None:
    assert {column.name for column in sql.LINK} == set(IdLink.__dataclass_fields__)
