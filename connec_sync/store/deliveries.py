"""Partner webhook deliveries already published: a repeated `webhook-id` is not published again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from connec_sync.store import tables
from connec_sync.store.clock import utcnow


class Deliveries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def seen(self, webhook_id: str) -> bool:
        table = tables.webhook_deliveries
        with self._engine.connect() as conn:
            return (
                conn.execute(select(table.c.id).where(table.c.id == webhook_id)).first() is not None
            )

    def record(self, webhook_id: str) -> None:
        """Remember a delivery once its records are confirmed; recording it twice is fine."""
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    tables.webhook_deliveries.insert().values(id=webhook_id, received_at=utcnow())
                )
        except IntegrityError:
            pass  # a concurrent retry of the same delivery recorded it first

    def forget_older_than(self, age: timedelta) -> int:
        """Drop deliveries received more than `age` ago; returns how many."""
        table = tables.webhook_deliveries
        with self._engine.begin() as conn:
            return int(
                conn.execute(table.delete().where(table.c.received_at < utcnow() - age)).rowcount
            )
