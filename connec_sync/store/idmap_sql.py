"""The id map's statements, built once with bound parameters.

A consumer runs two of these per record it creates (the claim, then the record of what was
applied), three or four per update. Building a statement and computing its
cache key cost SQLAlchemy more than SQLite takes to run it (about 0.3 ms each); a statement
object built once keeps its compiled form and its cache key, so a call only binds values.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from sqlalchemy import Delete, Select, Update, bindparam, case, select

from connec_sync.store import tables

_T = tables.id_map
#: what a link holds (connec_sync.store.idmap.IdLink), all a statement returns of one: every
#: column but the link-back's and the row's times (on SQLite each time read back is parsed)
LINK = tuple(
    column
    for column in _T.c
    if column.name
    not in ("pending_link_back", "link_back_due", "link_back_tries", "created_at", "updated_at")
)
_SCOPE = (_T.c.organization_id == bindparam("b_org")) & (_T.c.entity == bindparam("b_entity"))

#: the link holding an id: FIND["connec_id"] or FIND["partner_id"], with b_org, b_entity, b_value
FIND: dict[str, Select[Any]] = {
    column: select(*LINK).where(_SCOPE & (_T.c[column] == bindparam("b_value")))
    for column in ("connec_id", "partner_id")
}
BY_ID: Select[Any] = select(*LINK).where(_T.c.id == bindparam("b_id"))
DELETE: Delete = _T.delete().where(_T.c.id == bindparam("b_id"))
#: lease b_id to b_owner until b_until if free, expired (before b_now) or b_owner's already
ACQUIRE: Update = (
    _T.update()
    .where(
        (_T.c.id == bindparam("b_id"))
        & (
            _T.c.lease_owner.is_(None)
            | (_T.c.lease_until < bindparam("b_now"))
            | (_T.c.lease_owner == bindparam("b_owner"))
        )
    )
    .values(lease_owner=bindparam("b_owner"), lease_until=bindparam("b_until"))
    .returning(*LINK)
)
RELEASE: Update = (
    _T.update()
    .where((_T.c.id == bindparam("b_id")) & (_T.c.lease_owner == bindparam("b_owner")))
    .values(lease_owner=None, lease_until=None)
)


@functools.lru_cache(maxsize=256)
def update(columns: tuple[str, ...], releasing: bool, returning: bool | str) -> Update:
    """UPDATE the link b_id, setting each of `columns` from the parameter `v_<column>`; when
    `releasing`, also release the lease if b_owner holds it (in the same statement). Returning
    the link, or with `returning="id"` its id alone (the caller knows the rest)."""
    values: dict[str, Any] = {column: bindparam(f"v_{column}") for column in columns}
    if releasing:
        held = _T.c.lease_owner == bindparam("b_owner")
        values["lease_owner"] = case((held, None), else_=_T.c.lease_owner)
        values["lease_until"] = case((held, None), else_=_T.c.lease_until)
    statement = _T.update().where(_T.c.id == bindparam("b_id")).values(values)
    if returning == "id":
        return statement.returning(_T.c.id)
    return statement.returning(*LINK) if returning else statement


@functools.lru_cache(maxsize=16)
def insert(columns: tuple[str, ...]) -> Any:
    """INSERT a link from the parameters `v_<column>`, returning it."""
    values: dict[str, Any] = {column: bindparam(f"v_{column}") for column in columns}
    return _T.insert().values(values).returning(*LINK)


@functools.lru_cache(maxsize=64)
def claim_or_lease(dialect: str, columns: tuple[str, ...], key: str) -> Any:
    """INSERT a link from the parameters `v_<column>` (its lease among them) unless one holds
    its `key` (connec_id or partner_id) already; then lease that one instead, if its lease is
    free, expired (before b_now) or the same owner's. Returns the link, inserted or leased; no
    row when another owner holds an unexpired lease. One statement for the two cases (SQLite
    and PostgreSQL's upsert; `dialect` picks whose)."""
    # imported here: a process on SQLite never loads PostgreSQL's dialect, nor the other way
    home = "postgresql" if dialect == "postgresql" else "sqlite"
    insert = importlib.import_module(f"sqlalchemy.dialects.{home}").insert
    values: dict[str, Any] = {column: bindparam(f"v_{column}") for column in columns}
    statement = insert(_T).values(values)
    new = statement.excluded
    free = (
        _T.c.lease_owner.is_(None)
        | (_T.c.lease_until < bindparam("b_now"))
        | (_T.c.lease_owner == new.lease_owner)
    )
    return statement.on_conflict_do_update(
        index_elements=[_T.c.organization_id, _T.c.entity, _T.c[key]],
        set_={"lease_owner": new.lease_owner, "lease_until": new.lease_until},
        where=free,
    ).returning(*LINK)


def params(changes: dict[str, Any], **bound: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The columns of `changes` (sorted: one statement per set) and the parameters to bind."""
    columns = tuple(sorted(changes))
    return columns, {**{f"v_{column}": changes[column] for column in columns}, **bound}
