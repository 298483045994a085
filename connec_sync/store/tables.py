"""The store's tables, as the latest migration leaves them (see migrations.py for the history)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    select,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite keeps no zone: it is put back on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


metadata = MetaData()


def newest_of_organization(table: Table, organization_id: int, limit: int) -> Select[Any]:
    """The `limit` newest rows of an organization in `table` (by id), newest first."""
    return (
        select(table)
        .where(table.c.organization_id == organization_id)
        .order_by(table.c.id.desc())
        .limit(limit)
    )


schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

organizations = Table(
    "organizations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("group_id", String(200), nullable=False),
    Column("account", String(200), nullable=False, unique=True),
    Column("entities", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("conflict_winner", String(20), nullable=False, default="recent"),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("tenant", "group_id", name="uq_organizations_group"),
)


def _lease_columns() -> list[Column[Any]]:
    """Schema step 2: who holds the record, until when."""
    return [Column("lease_owner", String(100)), Column("lease_until", UtcDateTime())]


def _link_back_columns() -> list[Column[Any]]:
    """Schema step 5: the link-back still to send, batched after the ack."""
    return [
        #: the PUT body still to send to Connec! (JSON text), None once Connec! answered
        Column("pending_link_back", Text),
        #: not sent before this time: a sender's claim, or the backoff after a failure
        Column("link_back_due", UtcDateTime()),
        Column("link_back_tries", Integer, nullable=False, default=0, server_default="0"),
    ]


def _attempt_columns() -> list[Column[Any]]:
    """Schema step 6: the direction's recorded version is being written, not yet confirmed."""
    return [
        Column(name, Boolean, nullable=False, default=False, server_default=false())
        for name in ("to_app_pending", "to_connec_pending")
    ]


def id_map_table(
    meta: MetaData,
    *,
    leases: bool = True,
    link_backs: bool = True,
    attempts: bool = True,
    wide: bool = True,
) -> Table:
    """One row per linked record pair; per direction the last applied version and our write's
    fingerprint. With every flag False it is the table as schema version 1 created it (`wide`:
    64-bit ids on PostgreSQL, schema step 12)."""
    id_type = Integer().with_variant(BigInteger(), "postgresql") if wide else Integer()
    return Table(
        "id_map",
        meta,
        Column("id", id_type, primary_key=True),
        Column("organization_id", ForeignKey("organizations.id"), nullable=False),
        Column("entity", String(100), nullable=False),
        Column("connec_id", String(200)),
        Column("partner_id", String(200)),
        Column("name", String(500)),
        *[Column(name, String(64)) for name in VERSION_AND_FINGERPRINT_COLUMNS],
        Column("last_error", Text),
        Column("inactive", Boolean, nullable=False, default=False),
        *(_lease_columns() if leases else []),
        *(_link_back_columns() if link_backs else []),
        *(_attempt_columns() if attempts else []),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        UniqueConstraint("organization_id", "entity", "connec_id", name="uq_id_map_connec"),
        UniqueConstraint("organization_id", "entity", "partner_id", name="uq_id_map_partner"),
    )


#: per direction the last applied version (source time, content hash), and our writes' prints
VERSION_AND_FINGERPRINT_COLUMNS = (
    "to_app_version",
    "to_app_hash",
    "to_connec_version",
    "to_connec_hash",
    "partner_fingerprint",
    "connec_fingerprint",
)

id_map = id_map_table(metadata)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("since", String(64)),
    Column("counts", JSON, nullable=False),
    Column("error", Text),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
)

#: partner webhook ids already published (Standard Webhooks `webhook-id`), kept for the retry
#: horizon
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("received_at", UtcDateTime(), nullable=False, index=True),
)

#: dead letters moved out of the dead-letter queues, so they can be listed, shown, replayed, purged
dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True),
    #: sha256 of body and headers: a redelivered dead letter is not stored twice
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("message_id", String(200)),
    Column("entity", String(100), nullable=False),
    Column("direction", String(20), nullable=False),
    Column("reason", String(100), nullable=False),
    Column("error", Text),
    Column("attempts", Integer),
    Column("first_failure", UtcDateTime()),
    #: when it was dead-lettered (the consumer's last failure, else the broker's x-death time)
    Column("last_failure", UtcDateTime()),
    Column("lane", String(20)),
    Column("headers", JSON, nullable=False),
    #: the decoded envelope; None when the body was not one (then `body` holds it)
    Column("envelope", JSON),
    Column("body", Text),
    Column("received_at", UtcDateTime(), nullable=False, index=True),
    Column("replay_state", String(20)),
    Column("replayed_at", UtcDateTime()),
)

#: per organization and entity, where the poller of a polled partner app goes on reading
#: (`connec-sync poll`): the provider's cursor (JSON), polls since the last hard-delete sweep
poll_state = Table(
    "poll_state",
    metadata,
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
    Column("entity", String(100), primary_key=True),
    Column("cursor", JSON),
    Column("polls", Integer, nullable=False, default=0, server_default="0"),
    Column("swept_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
)

#: per organization, the poller that may poll it, until when: two pollers never both run
poll_leases = Table(
    "poll_leases",
    metadata,
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("until", UtcDateTime(), nullable=False),
)

#: the latest records applied with dropped fields, per organization (store.dropped_fields)
dropped_fields = Table(
    "dropped_fields",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False, index=True),
    Column("entity", String(100), nullable=False),
    Column("direction", String(20), nullable=False),
    Column("record_id", String(200)),
    Column("name", String(500)),
    #: [{"field": dotted path, "reason": why it was left out}, ...]
    Column("fields", JSON, nullable=False),
    Column("applied_at", UtcDateTime(), nullable=False),
)

#: every record's journey, per record and version, from every process (lineage): one row per
#: settled delivery (step "delivery": its outcome, and what was received, written, skipped,
#: retried or dead-lettered) or per link-back answered (step "linked_back"); pruned after
#: lineage.retention_days. `connec-sync trace` unfolds a row into its steps.
lineage_events = Table(
    "lineage_events",
    metadata,
    Column("id", Integer, primary_key=True),
    #: when the delivery was settled (or the link-back answered), and its minute since the epoch
    #: (the status page's charts count per minute)
    Column("at", UtcDateTime(), nullable=False),
    Column("minute", Integer, nullable=False, index=True),
    Column("message_id", String(200), index=True),
    Column("entity", String(100), nullable=False),
    Column("direction", String(20), nullable=False),
    #: the organization as its side names it: the Connec! group id, else the partner account
    Column("owner", String(200)),
    Column("connec_id", String(200), index=True),
    Column("partner_id", String(200), index=True),
    #: the source's updated_at of the message's record
    Column("version", String(64)),
    Column("step", String(20), nullable=False),
    Column("outcome", String(20)),
    Column("reason", String(100)),
    Column("attempt", Integer),
    Column("duration_ms", Integer),
    #: an applied record's end-to-end lag: from its source's updated_at to the write
    Column("lag_ms", Integer),
    #: a message's first delivery: when the producer received it, and the envelope as sent
    Column("received_at", UtcDateTime()),
    Column("envelope", Text),
    #: the other facts (origin, lane, error, retry delay, the write: method, status, key, body)
    Column("details", JSON, nullable=False),
)
