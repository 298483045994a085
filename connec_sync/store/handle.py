"""The store's handle on its database (SQLAlchemy engines): every table's accessor."""

from __future__ import annotations

from sqlalchemy import Engine

from connec_sync.store.dead_letters import DeadLetters
from connec_sync.store.deliveries import Deliveries
from connec_sync.store.dropped_fields import DroppedFields
from connec_sync.store.engine import lineage_url, make_engine
from connec_sync.store.idmap import IdMap
from connec_sync.store.lineage import Lineage, LineageActivity
from connec_sync.store.link_backs import PendingLinkBacks
from connec_sync.store.migrations import LINEAGE_FILE, upgrade
from connec_sync.store.organizations import Organizations
from connec_sync.store.polls import Polls
from connec_sync.store.runs import SyncRuns
from connec_sync.store.sqlalchemy_execution import Direct


class Store:
    """One handle on the database; `open` creates or upgrades the schema first. Lineage is kept
    in `lineage_engine`'s database: the store's, or on SQLite a file of its own
    (connec_sync.store.engine.lineage_url)."""

    def __init__(self, engine: Engine, lineage_engine: Engine | None = None) -> None:
        self.engine = engine
        self.lineage_engine = lineage_engine or engine
        self.organizations = Organizations(engine)
        self.id_map = IdMap(engine)
        self.link_backs = PendingLinkBacks(engine)
        self.runs = SyncRuns(engine)
        self.deliveries = Deliveries(engine)
        self.dead_letters = DeadLetters(engine)
        self.polls = Polls(engine)
        self.dropped_fields = DroppedFields(engine)
        self.lineage = Lineage(self.lineage_engine, engine)
        self.activity = LineageActivity(self.lineage_engine)

    @classmethod
    def open(cls, url: str) -> Store:
        engine = make_engine(url)
        with engine.begin() as conn:
            upgrade(conn)
        apart = lineage_url(url)
        if apart is None:
            return cls(engine)
        lineage_engine = make_engine(apart)
        with lineage_engine.begin() as conn:
            upgrade(conn, steps=LINEAGE_FILE)
        return cls(engine, lineage_engine)

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
        for engine in dict.fromkeys((self.engine, self.lineage_engine)):
            Direct.of(engine).close()
            engine.dispose()
