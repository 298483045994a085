"""What each kind of record the Tryton provider carries gives its `TrytonPartner`: a `Records`
(the model, what to read, how a flat record becomes Tryton values and back, where our
idempotency key is kept), and the fields every flat record has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from providers.tryton.books import Books

#: the prefix of our idempotency keys in Tryton identifiers
KEY_PREFIX = "connec-sync:"


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

    def domain(self, books: Books) -> list[Any]:
        """What records of `model` are of this kind."""
        return []

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


def _iso(moment: Any) -> str | None:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z") if moment else None


def key_code(idempotency_key: str) -> str:
    """The identifier code our create keeps its idempotency key in."""
    return KEY_PREFIX + idempotency_key
