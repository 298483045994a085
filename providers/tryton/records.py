"""What each kind of record the Tryton provider carries gives its `TrytonPartner`: a `Records`
(the model, what to read, how a flat record becomes Tryton values and back, where our
idempotency key is kept), and the fields every flat record has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from providers.interface import CREATED_BY_SYNC

if TYPE_CHECKING:
    from providers.tryton.books import Books
    from providers.tryton.client import TrytonClient

#: the prefix of our idempotency keys in Tryton (identifiers, notes, descriptions)
KEY_PREFIX = "connec-sync:"
#: a domain that sees archived records too
ALL = ("active", "in", [True, False])


@dataclass(frozen=True)
class Records:
    """One kind of record: overridden per kind (providers.tryton.parties, .products)."""

    model: str = ""
    #: the searchable field our create's key is written to
    key_field: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields to read (dotted paths nest)."""
        raise NotImplementedError

    #: whether its records can be archived (`active`)
    archivable: bool = True

    @property
    def key_fields(self) -> tuple[str, ...]:
        """Every field a create of ours may keep its key in (dotted paths nest)."""
        return (self.key_field,) if self.key_field else ()

    @property
    def read_fields(self) -> tuple[str, ...]:
        """What reads of changed records ask for: `fields` and `key_fields`."""
        return tuple(dict.fromkeys((*self.fields, *self.key_fields)))

    def marked_flat(self, record: dict[str, Any], books: Books) -> dict[str, Any]:
        """The flat record of a record as read (with `read_fields`), marked CREATED_BY_SYNC when
        a create of ours made it: unlinked, it is a write of ours in flight, not a new record."""
        flat = self.flat(record, books)
        if self.created_by_us(record):
            flat[CREATED_BY_SYNC] = True
        return flat

    def created_by_us(self, record: dict[str, Any]) -> bool:
        """Whether a record as read (with its `key_fields`) keeps one of our create keys: it was
        made by connec-sync for a Connec! record."""
        found = (value for path in self.key_fields for value in values_at(record, path))
        return any(isinstance(value, str) and value.startswith(KEY_PREFIX) for value in found)

    def domain(self, books: Books) -> list[Any]:
        """What records of `model` are of this kind (archived ones too)."""
        return [ALL] if self.archivable else []

    def replayed(self, body: dict[str, Any], code: str) -> list[Any] | None:
        """The domain that finds the record an earlier create with key `code` made (None:
        there is no telling)."""
        return [(self.key_field, "=", code), *([ALL] if self.archivable else [])]

    def make(self, client: TrytonClient, books: Books, body: dict[str, Any], code: str) -> int:
        """Create the record of a flat body; its id."""
        database = books.database
        made = int(client.create(database, self.model, self.created(body, books, code))["id"])
        if body.get("archived"):
            client.update(database, self.model, made, {"active": False})
        return made

    def save(
        self, client: TrytonClient, books: Books, current: dict, changes: dict, body: dict
    ) -> None:
        """Write `changes` to the record as read (`current`), archived as the body says: an
        archived record is unarchived first, its fields frozen while it is archived."""
        database, number = books.database, int(current["id"])
        active = bool(current.get("active", True))
        archived = body.get("archived") if self.archivable else None
        wanted = active if archived is None else not archived
        if changes and not active:
            client.update(database, self.model, number, {"active": True})
        if changes:
            client.update(database, self.model, number, changes)
        if (changes and not wanted) or (not changes and wanted != active):
            client.update(database, self.model, number, {"active": wanted})

    def created(self, body: dict[str, Any], books: Books, code: str) -> dict[str, Any]:
        """The values that create a record for a flat body, keeping our idempotency key `code`
        in its `key_field`, without `active` (TrytonPartner archives)."""
        raise NotImplementedError

    def changes(self, body: dict[str, Any], books: Books, current: dict) -> dict[str, Any]:
        """The values that bring the record as read (`current`) to a flat body (fields absent
        from the body unchanged), without `active`; empty when nothing differs."""
        raise NotImplementedError

    def flat(self, record: dict[str, Any], books: Books) -> dict[str, Any]:
        """The flat record of a record as read."""
        raise NotImplementedError


def common_flat(record: dict[str, Any]) -> dict[str, Any]:
    """What every flat record has: its id as a string, `archived`, and `updated_at` (the
    write date, else the create date: ISO-8601 UTC with microseconds)."""
    moment = record.get("write_date") or record.get("create_date")
    return {
        "id": str(record["id"]),
        "archived": not record.get("active", True),
        "created_at": _iso(record.get("create_date")),
        "updated_at": _iso(moment),
    }


def values_at(record: Any, path: str) -> list[Any]:
    """The values at a dotted path of a record as read, through nested records and lists."""
    if isinstance(record, list):
        return [value for each in record for value in values_at(each, path)]
    if not isinstance(record, dict):
        return []
    head, _, rest = path.partition(".")
    value = record.get(head)
    if not rest:
        return [value] if value is not None else []
    return values_at(value, rest)


def _iso(moment: Any) -> str | None:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z") if moment else None


def key_code(idempotency_key: str) -> str:
    """The identifier code our create keeps its idempotency key in."""
    return KEY_PREFIX + idempotency_key
