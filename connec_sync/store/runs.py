"""Sync runs: one row per initial import, reconciliation or full re-sync of an organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from connec_sync.store import tables
from connec_sync.store.clock import utcnow

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"


class RunAlreadyGoing(Exception):
    """Another sync run of this organization is still running."""


@dataclass(frozen=True)
class SyncRun:
    id: int
    organization_id: int
    mode: str
    state: str
    since: str | None
    counts: dict[str, Any]
    error: str | None
    started_at: datetime
    finished_at: datetime | None


class SyncRuns:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(self, organization_id: int, mode: str, since: str | None = None) -> SyncRun:
        """Record a new running run; raises RunAlreadyGoing if one is running already (a unique
        index settles two starts at the same instant)."""
        try:
            run_id = self._insert(organization_id, mode, since)
        except IntegrityError:
            raise RunAlreadyGoing("another sync run started for this organization") from None
        run = self.by_id(run_id)
        assert run is not None
        return run

    def _insert(self, organization_id: int, mode: str, since: str | None) -> int:
        table = tables.sync_runs
        with self._engine.begin() as conn:
            going = conn.execute(
                select(table.c.id).where(
                    (table.c.organization_id == organization_id) & (table.c.state == RUNNING)
                )
            ).first()
            if going:
                raise RunAlreadyGoing(f"sync run {going[0]} is still running for this organization")
            row: dict[str, Any] = {
                "organization_id": organization_id,
                "mode": mode,
                "state": RUNNING,
            }
            row |= {"since": since, "counts": {}, "started_at": utcnow()}
            inserted = conn.execute(table.insert().values(**row)).inserted_primary_key
            assert inserted is not None
            return int(inserted[0])

    def finish(
        self, run_id: int, state: str, counts: dict[str, Any], error: str | None = None
    ) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                tables.sync_runs.update()
                .where(tables.sync_runs.c.id == run_id)
                .values(state=state, counts=counts, error=error, finished_at=utcnow())
            )

    def by_id(self, run_id: int) -> SyncRun | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(tables.sync_runs).where(tables.sync_runs.c.id == run_id)
            ).first()
        return _run(row._mapping) if row else None

    def latest(self, organization_id: int, limit: int = 5) -> list[SyncRun]:
        query = tables.newest_of_organization(tables.sync_runs, organization_id, limit)
        with self._engine.connect() as conn:
            return [_run(row._mapping) for row in conn.execute(query)]

    def last_success(self, organization_id: int) -> SyncRun | None:
        return next((r for r in self.latest(organization_id, 50) if r.state == SUCCEEDED), None)


def _run(row: Any) -> SyncRun:
    return SyncRun(**{name: row[name] for name in SyncRun.__dataclass_fields__})
