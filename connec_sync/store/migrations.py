"""The schema's history: each step upgrades a database one version, in a transaction, keeping
its data."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Column, Connection, Integer, MetaData, Table, inspect, text

from connec_sync.store import tables
from connec_sync.store.engine import lineage_url

Step = Callable[[Connection], None]


def _v1_initial(conn: Connection) -> None:
    """Organizations, the id map (without leases) and sync runs."""
    tables.organizations.create(conn)
    tables.sync_runs.create(conn)
    v1 = MetaData()
    Table("organizations", v1, Column("id", Integer, primary_key=True))  # the key id_map refers to
    v1_id_map = tables.id_map_table(v1, leases=False, link_backs=False, attempts=False, wide=False)
    v1_id_map.create(conn)


def _v2_record_leases(conn: Connection) -> None:
    """A lease per id map row, so two replicas never apply one record at the same time."""
    conn.execute(text("ALTER TABLE id_map ADD COLUMN lease_owner VARCHAR(100)"))
    kind = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
    conn.execute(text(f"ALTER TABLE id_map ADD COLUMN lease_until {kind}"))


def _v3_webhook_deliveries(conn: Connection) -> None:
    """Partner webhook ids already published, so a repeated delivery is not published again."""
    tables.webhook_deliveries.create(conn)


def _v4_dead_letters(conn: Connection) -> None:
    """Dead letters moved from the dead-letter queues, for listing, replay and purge."""
    tables.dead_letters.create(conn)


def _v5_pending_link_backs(conn: Connection) -> None:
    """Link-backs sent after the ack, in batches: the body still to PUT to Connec!, when it may
    be sent next (a sender's claim or a backoff) and how many tries failed."""
    kind = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
    conn.execute(text("ALTER TABLE id_map ADD COLUMN pending_link_back TEXT"))
    conn.execute(text(f"ALTER TABLE id_map ADD COLUMN link_back_due {kind}"))
    conn.execute(text("ALTER TABLE id_map ADD COLUMN link_back_tries INTEGER NOT NULL DEFAULT 0"))
    conn.execute(
        text(
            "CREATE INDEX ix_id_map_pending_link_back ON id_map (link_back_due, id) "
            "WHERE pending_link_back IS NOT NULL"
        )
    )


def _v6_write_attempts(conn: Connection) -> None:
    """Per direction, whether the recorded version is still being written (write-ahead): an
    older version arriving meanwhile is stale, even if that write's answer is lost."""
    for column in ("to_app_pending", "to_connec_pending"):
        conn.execute(text(f"ALTER TABLE id_map ADD COLUMN {column} BOOLEAN NOT NULL DEFAULT false"))


def _v7_one_running_sync_per_organization(conn: Connection) -> None:
    """At most one running sync run per organization, kept by the database (two processes
    starting one at the same instant both passed the check before). Older duplicates that an
    earlier version let through are closed as failed first."""
    conn.execute(
        text(
            "UPDATE sync_runs SET state = 'failed', error = 'superseded by a later running run' "
            "WHERE state = 'running' AND id NOT IN (SELECT MAX(id) FROM sync_runs "
            "WHERE state = 'running' GROUP BY organization_id)"
        )
    )
    conn.execute(
        text(
            "CREATE UNIQUE INDEX ux_sync_runs_running ON sync_runs (organization_id) "
            "WHERE state = 'running'"
        )
    )


def _v8_dropped_fields(conn: Connection) -> None:
    """The latest records applied with dropped fields, per organization, for `status`."""
    tables.dropped_fields.create(conn)


def _v9_poll_state(conn: Connection) -> None:
    """The poller's cursor per organization and entity, and its lease per organization."""
    tables.poll_state.create(conn)
    tables.poll_leases.create(conn)


def _v10_lineage(conn: Connection) -> None:
    """Every record's journey (lineage), for `connec-sync trace` and `mapping check`."""
    tables.lineage_events.create(conn)


def _v11_lineage_in_its_own_file(conn: Connection) -> None:
    """On a SQLite file, lineage moves to a database file of its own (engine.lineage_url;
    LINEAGE_FILE below): the store's table goes, with the events it held."""
    if conn.dialect.name == "sqlite" and lineage_url(conn.engine.url) is not None:
        tables.lineage_events.drop(conn)


def _v12_wide_id_map_ids(conn: Connection) -> None:
    """On PostgreSQL, id map ids are 64-bit: a consumer claims or leases a link in one upsert
    (IdMap.claim_or_lease), which draws an id from the sequence even when it leases an existing
    link, so ids are drawn per delivery, not per link (2^31 of them: 250 days at 100/s).
    SQLite's rowids are 64-bit already and are not drawn by a conflicting insert."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text("ALTER TABLE id_map ALTER COLUMN id TYPE BIGINT"))
    sequence = conn.execute(text("SELECT pg_get_serial_sequence('id_map', 'id')")).scalar()
    if sequence is not None:
        conn.execute(text(f"ALTER SEQUENCE {sequence} AS BIGINT"))


#: (version, step), oldest first; append, never edit a released step
MIGRATIONS: tuple[tuple[int, Step], ...] = (
    (1, _v1_initial),
    (2, _v2_record_leases),
    (3, _v3_webhook_deliveries),
    (4, _v4_dead_letters),
    (5, _v5_pending_link_backs),
    (6, _v6_write_attempts),
    (7, _v7_one_running_sync_per_organization),
    (8, _v8_dropped_fields),
    (9, _v9_poll_state),
    (10, _v10_lineage),
    (11, _v11_lineage_in_its_own_file),
    (12, _v12_wide_id_map_ids),
)
LATEST = MIGRATIONS[-1][0]
#: the schema of lineage's own SQLite file (engine.lineage_url), upgraded as the store's is
LINEAGE_FILE: tuple[tuple[int, Step], ...] = ((1, _v10_lineage),)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar() or 0)


def upgrade(
    conn: Connection, target: int | None = None, steps: tuple[tuple[int, Step], ...] = MIGRATIONS
) -> list[int]:
    """Apply the `steps` newer than the database's version up to `target` (default: the last);
    returns what ran."""
    target = steps[-1][0] if target is None else target
    if not inspect(conn).has_table("schema_version"):
        tables.schema_version.create(conn)
    done = current_version(conn)
    applied = []
    for version, step in steps:
        if done < version <= target:
            step(conn)
            conn.execute(tables.schema_version.delete())
            conn.execute(tables.schema_version.insert().values(version=version))
            applied.append(version)
    return applied
