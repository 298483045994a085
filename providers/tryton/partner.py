"""`TrytonPartner`: the Tryton provider's `PartnerApi`. The consumers and the sync call it with
flat records by resource (providers.tryton.mapping describes them); it reads and writes the
Tryton models behind each resource in the database named by the account, through TrytonClient.

- A create is idempotent: its key is kept in the created record (an identifier, an invoice
  line's note: `Records.key_field`), so a repeated create finds the first record and answers it
  (the consumer then writes the body if it differs).
- Archiving is `active = false`. Tryton freezes an archived record's fields, so an update of an
  archived record unarchives it, writes, and archives it again when the body says so
  (`Records.save`; invoices and payments save their own way).
- Ids are Tryton integers, carried as strings; a write answers the record read back.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from connec_sync.clients.errors import PermanentTargetError
from providers.tryton.books import ORGANIZATION, PERSON, Books
from providers.tryton.client import TrytonClient
from providers.tryton.invoices import Invoices
from providers.tryton.parties import Parties
from providers.tryton.payments import Payments
from providers.tryton.products import Products
from providers.tryton.records import Records, key_code

#: Tryton's records behind each resource (the Connec! collection names)
RECORDS: Mapping[str, Records] = {
    "organizations": Parties(kind=ORGANIZATION),
    "people": Parties(kind=PERSON),
    "items": Products(),
    "invoices": Invoices(),
    "payments": Payments(),
}


class TrytonPartner:
    """Flat records by (account = database, resource), as the provider's mapping shapes them."""

    def __init__(self, client: TrytonClient) -> None:
        self.client = client
        self._books: dict[str, Books] = {}
        self._lock = threading.Lock()

    def books(self, database: str) -> Books:
        """The references of `database`, found once."""
        with self._lock:
            if database not in self._books:
                self._books[database] = Books(self.client, database)
            return self._books[database]

    def create(
        self, account: str, resource: str, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        kind, books, code = records_of(resource), self.books(account), key_code(idempotency_key)
        domain = kind.replayed(body, code)
        found = self.client.search(account, kind.model, domain, ["id"]) if domain else []
        if found:
            return self.get(account, resource, str(found[0]["id"]))
        made = kind.make(self.client, books, body, code)
        return self.get(account, resource, str(made))

    def update(
        self, account: str, resource: str, record_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        kind, books = records_of(resource), self.books(account)
        current = self.client.read(account, kind.model, _number(record_id), kind.fields)
        kind.save(self.client, books, current, kind.changes(body, books, current), body)
        return self.get(account, resource, record_id)

    def get(self, account: str, resource: str, record_id: str) -> dict[str, Any]:
        kind = records_of(resource)
        record = self.client.read(account, kind.model, _number(record_id), kind.fields)
        return kind.flat(record, self.books(account))

    def delete(self, account: str, resource: str, record_id: str) -> None:
        self.client.delete(account, records_of(resource).model, _number(record_id))

    def pages(
        self, account: str, resource: str, updated_since: str | None = None, limit: int = 100
    ) -> Iterator[list[dict[str, Any]]]:
        """Every record of the resource (archived ones too), by id, `limit` at a time; those
        created or written after `updated_since` when given. Our own creates are marked
        CREATED_BY_SYNC (`Records.marked_flat`), as the change reader marks them."""
        kind, books = records_of(resource), self.books(account)
        domain: list[Any] = list(kind.domain(books))
        if updated_since:
            moment = _moment(updated_since)
            domain.append(["OR", ("create_date", ">", moment), ("write_date", ">", moment)])
        for page in self.client.pages(account, kind.model, limit, domain, kind.read_fields):
            yield [kind.marked_flat(record, books) for record in page]

    def close(self) -> None:
        self.client.close()


def records_of(resource: str) -> Records:
    try:
        return RECORDS[resource]
    except KeyError:
        raise PermanentTargetError(
            400, f"the Tryton provider has no resource {resource!r}"
        ) from None


def _number(record_id: str) -> int:
    """A Tryton id from its string; a 400 for anything else."""
    text = str(record_id)
    if not text.isdigit():
        raise PermanentTargetError(400, f"{text!r} is not a Tryton record id")
    return int(text)


def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
