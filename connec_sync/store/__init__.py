"""The SQL store (the only place that imports SQLAlchemy): organizations, id map, sync runs,
dead letters, records applied with dropped fields."""

from __future__ import annotations

from sqlalchemy import Engine

from connec_sync.store.dead_letters import DeadLetter, DeadLetterFilter, DeadLetters
from connec_sync.store.deliveries import Deliveries
from connec_sync.store.dropped_fields import DroppedFields, DroppedFieldsExample
from connec_sync.store.engine import make_engine
from connec_sync.store.idmap import IdLink, IdMap
from connec_sync.store.link_backs import PendingLinkBack, PendingLinkBacks
from connec_sync.store.migrations import upgrade
from connec_sync.store.organizations import Organization, Organizations
from connec_sync.store.runs import RunAlreadyGoing, SyncRun, SyncRuns
from connec_sync.store.sqlalchemy_execution import Direct

__all__ = [
    "DeadLetter",
    "DeadLetterFilter",
    "DroppedFieldsExample",
    "IdLink",
    "Organization",
    "PendingLinkBack",
    "RunAlreadyGoing",
    "Store",
    "SyncRun",
]


class Store:
    """One handle on the database; `open` creates or upgrades the schema first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.organizations = Organizations(engine)
        self.id_map = IdMap(engine)
        self.link_backs = PendingLinkBacks(engine)
        self.runs = SyncRuns(engine)
        self.deliveries = Deliveries(engine)
        self.dead_letters = DeadLetters(engine)
        self.dropped_fields = DroppedFields(engine)

    @classmethod
    def open(cls, url: str) -> Store:
        engine = make_engine(url)
        with engine.begin() as conn:
            upgrade(conn)
        return cls(engine)

    def link_configured(self, organizations: tuple) -> None:
        """Upsert the [[organizations]] of the settings file (done at every process start)."""
        for org in organizations:
            self.organizations.upsert(
                tenant=org.tenant,
                group_id=org.group_id,
                account=org.account,
                entities=dict(org.entities),
                enabled=org.enabled,
                conflict_winner=org.conflict_winner,
            )

    def close(self) -> None:
        Direct.of(self.engine).close()
        self.engine.dispose()
