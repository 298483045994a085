"""A SQLAlchemy Core statement compiled once per dialect, for the driver path of
connec_sync.store.sqlalchemy_execution: its SQL, the order of its parameters, the defaults it
binds itself, and the column types' own bind and result processors (what SQLAlchemy's execution
would apply to values going in and rows coming out)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True)
class Compiled:
    """A statement's SQL for one dialect: `names` orders its parameters (None: by name),
    `defaults` holds the values it binds itself (a `None` in `.values()`), `to_sql` converts
    the parameters that need it, and `columns` are what it returns with their converters."""

    sql: str
    names: tuple[str, ...] | None
    defaults: Mapping[str, Any]
    to_sql: Mapping[str, Callable[[Any], Any]]
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]

    def parameters(self, values: Mapping[str, Any]) -> Any:
        bound = {**self.defaults, **values}
        for name, convert in self.to_sql.items():
            if bound.get(name) is not None:
                bound[name] = convert(bound[name])
        return bound if self.names is None else [bound[name] for name in self.names]

    def row(self, values: tuple[Any, ...]) -> dict[str, Any]:
        return {
            name: convert(value) if convert is not None and value is not None else value
            for (name, convert), value in zip(self.columns, values, strict=True)
        }


def compile_statement(statement: ClauseElement, engine: Engine) -> Compiled:
    """`statement` compiled for `engine`'s dialect, with its parameters' and columns'
    converters."""
    dialect = engine.dialect
    compiled: Any = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    used = set(names) if names is not None else set(re.findall(r"%\((\w+)\)s", compiled.string))
    # by the names the SQL uses (an anonymous bind is also listed under another name)
    binds = [(name, bind) for name, bind in compiled.binds.items() if name in used]
    returned = getattr(statement, "exported_columns", ())
    to_sql = {name: _bind_processor(bind.type, dialect) for name, bind in binds}
    return Compiled(
        sql=compiled.string,
        names=names,
        defaults={
            **{name: bind.effective_value for name, bind in binds if not bind.required},
            **_defaults(compiled),
        },
        to_sql={name: convert for name, convert in to_sql.items() if convert is not None},
        columns=tuple((c.name, _result_processor(c.type, dialect)) for c in returned),
    )


def _defaults(compiled: Any) -> dict[str, Any]:
    """The scalar column defaults an INSERT or UPDATE binds for columns it does not set (what
    SQLAlchemy's execution context would fill in); a default computed in Python is refused."""
    found = {}
    for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
        default = column.default if column in compiled.insert_prefetch else column.onupdate
        if default is None or not default.is_scalar:
            raise NotImplementedError(f"{column} has a default the driver path cannot bind")
        found[column.key] = default.arg
    return found


def _bind_processor(kind: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a value of `kind` before the driver gets it (the store's
    UtcDateTime, then e.g. SQLite's text form of a datetime); None when nothing."""
    return kind.dialect_impl(dialect).bind_processor(dialect)


def _result_processor(kind: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a column of `kind` the driver returned (SQLite's text back to an
    aware datetime, its integers to booleans); None when nothing."""
    return kind.dialect_impl(dialect).result_processor(dialect, None)
