"""Linked organizations in the store: link, change, find, forget (the row: organization.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from connec_sync.store import tables
from connec_sync.store.clock import utcnow
from connec_sync.store.organization import Organization, organization_of


class Organizations:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def upsert(
        self,
        *,
        tenant: str,
        group_id: str,
        account: str,
        entities: dict[str, str],
        enabled: bool = True,
        conflict_winner: str = "recent",
    ) -> Organization:
        """Link a group to an account, or update the link's settings."""
        values = {"account": account, "entities": dict(entities), "enabled": enabled}
        values |= {"conflict_winner": conflict_winner, "updated_at": utcnow()}
        try:
            self._upsert(tenant, group_id, values)
        except IntegrityError:  # another process linked the same group at the same instant
            self._upsert(tenant, group_id, values)
        linked = self.by_group(tenant, group_id)
        assert linked is not None
        return linked

    def _upsert(self, tenant: str, group_id: str, values: dict[str, Any]) -> None:
        table = tables.organizations
        with self._engine.begin() as conn:
            key = (table.c.tenant == tenant) & (table.c.group_id == group_id)
            found = conn.execute(select(table.c.id).where(key)).scalar()
            if found is None:
                row = {"tenant": tenant, "group_id": group_id, "created_at": utcnow(), **values}
                conn.execute(table.insert().values(**row))
            else:
                conn.execute(table.update().where(table.c.id == found).values(**values))

    def update(self, organization_id: int, **changes: Any) -> None:
        table = tables.organizations
        with self._engine.begin() as conn:
            conn.execute(
                table.update()
                .where(table.c.id == organization_id)
                .values(**changes, updated_at=utcnow())
            )

    def remove(self, organization_id: int) -> None:
        """Forget an organization with its id map and sync runs."""
        with self._engine.begin() as conn:
            for table in (tables.id_map, tables.sync_runs):
                conn.execute(table.delete().where(table.c.organization_id == organization_id))
            conn.execute(
                tables.organizations.delete().where(tables.organizations.c.id == organization_id)
            )

    def by_group(self, tenant: str, group_id: str) -> Organization | None:
        table = tables.organizations
        return self._one((table.c.tenant == tenant) & (table.c.group_id == group_id))

    def by_account(self, account: str) -> Organization | None:
        return self._one(tables.organizations.c.account == account)

    def by_id(self, organization_id: int) -> Organization | None:
        return self._one(tables.organizations.c.id == organization_id)

    def all(self) -> list[Organization]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(tables.organizations).order_by(tables.organizations.c.id))
            return [organization_of(row._mapping) for row in rows]

    def _one(self, where: Any) -> Organization | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(tables.organizations).where(where)).first()
        return organization_of(row._mapping) if row else None
