"""The tryton tests' world: a client on the session's real Tryton (`books`), and factories
for the records the tests start from. The database is the session's own copy of the template,
removed with the server; names are unique per call so tests never see each other's records."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from providers.tryton import values
from providers.tryton.client import TrytonClient
from providers.tryton.server import TrytonServer

DATABASE = "books"


@dataclass
class Books:
    """The session's Tryton database, its client, and the bootstrap's facts (ids)."""

    server: TrytonServer
    client: TrytonClient
    facts: dict[str, Any]
    database: str = DATABASE

    def unique(self, prefix: str) -> str:
        return f"{prefix} {uuid.uuid4().hex[:8]}"

    def client_with(self, **options: Any) -> TrytonClient:
        """Another client on this server: `api_key`, `company`, `timeout_s`, `login`..."""
        settings: dict[str, Any] = {
            "base_url": self.server.url,
            "api_key": self.server.api_key,
            "company": self.facts["company"],
            "timeout_s": 30.0,
        }
        return TrytonClient(**{**settings, **options})

    def party(self, name: str | None = None, **fields: Any) -> dict[str, Any]:
        """A party with one address (an invoice needs it), answered with `addresses`."""
        record = {"name": name or self.unique("Party"), **fields}
        record.setdefault("addresses", [values.create({"street": "1 Main Street"})])
        return self.client.create(DATABASE, "party.party", record, ["name", "addresses"])

    def invoice(
        self, kind: str = "out", lines: Sequence[Mapping[str, Any]] = (), **fields: Any
    ) -> dict[str, Any]:
        """A draft invoice with every field REST does not fill in (journal, accounts,
        address); one 10.00 line when no `lines` are given."""
        party = self.party()
        customer = kind == "out"
        facts = self.facts
        line_account = facts["accounts"]["revenue" if customer else "expense"]
        given = lines or [{"description": "Service", "quantity": 1, "unit_price": Decimal(10)}]
        record = {
            "type": kind,
            "party": party["id"],
            "invoice_address": party["addresses"][0],
            "journal": facts["journals"]["revenue" if customer else "expense"],
            "account": facts["accounts"]["receivable" if customer else "payable"],
            "company": facts["company"],
            "currency": facts["currency"]["id"],
            "invoice_date": datetime.date.today(),
            "lines": [values.create(*({"account": line_account, **line} for line in given))],
            **fields,
        }
        fields_read = ["state", "number", "total_amount", "lines", "party"]
        return self.client.create(DATABASE, "account.invoice", record, fields_read)

    def posted_invoice(self, kind: str = "out", **fields: Any) -> dict[str, Any]:
        invoice = self.invoice(kind, **fields)
        self.client.call(DATABASE, "account.invoice", invoice["id"], "post")
        return invoice


@pytest.fixture(scope="session")
def books(tryton: TrytonServer) -> Iterator[Books]:
    facts = tryton.facts
    client = TrytonClient(
        tryton.url,
        tryton.api_key,
        facts["company"],
        timeout_s=60.0,
        login="admin",
        password=tryton.admin_password,
    )
    yield Books(tryton, client, facts)
    client.close()
