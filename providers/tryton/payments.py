"""Payments as the invoice pay wizard (to Tryton) and the reconciled payment lines of invoices
(from Tryton).

A Connec! payment with one payment line paying one invoice is one run of `account.invoice.pay`
on that posted invoice (over JSON-RPC: `[partner.tryton] login` and `password`), with the first
invoice payment method, and our create's key as the move's description: a repeated create finds
the line it booked. Its id is that payment line's (`account.move.line`, the receivable or
payable line reconciled with the invoice's). Read back, a payment line is received (credit, a
customer invoice) or sent (debit, a supplier invoice), for its amount, on its date, allocated to
its invoice (`invoice_payment`). A booked payment cannot be changed over Tryton's APIs (its move
is posted): a change is refused (a 400); a payment of an invoice not posted yet waits (a
transient error, retried)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from connec_sync.clients.errors import PermanentTargetError, TransientTargetError
from providers.tryton.books import Books
from providers.tryton.client import TrytonClient
from providers.tryton.records import Records, common_flat

LINE_FIELDS = (
    "date",
    "debit",
    "credit",
    "invoice_payment",
    "move.description",
    "create_date",
    "write_date",
)


@dataclass(frozen=True)
class Payments(Records):
    model: str = "account.move.line"
    key_field: str = "move.description"
    archivable: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return LINE_FIELDS

    def domain(self, books: Books) -> list[Any]:
        return [("invoice_payment", "!=", None)]

    def replayed(self, body: dict[str, Any], code: str) -> list[Any] | None:
        return [(self.key_field, "=", code), ("invoice_payment", "!=", None)]

    def make(self, client: TrytonClient, books: Books, body: dict[str, Any], code: str) -> int:
        invoice, amount = _allocation(body)
        database = books.database
        if not client.can_pay:
            problem = "payments to Tryton need [partner.tryton] login and password (JSON-RPC)"
            raise PermanentTargetError(400, problem)
        state = client.read(database, "account.invoice", invoice, ["state"])["state"]
        if state in ("draft", "validated"):
            raise TransientTargetError(None, None, f"invoice {invoice} is not posted yet")
        day = date.fromisoformat(str(body.get("date") or date.today().isoformat())[:10])
        client.pay_invoice(database, invoice, amount, books.payment_method(), day, code)
        found = client.search(database, self.model, self.replayed(body, code) or [], ["id"])
        return int(found[0]["id"])

    def changes(self, body: dict[str, Any], books: Books, current: dict) -> dict[str, Any]:
        flat = self.flat(current, books)
        return {
            name: body[name]
            for name in ("date", "amount", "allocations")
            if name in body and body[name] != flat.get(name)
        }

    def save(
        self, client: TrytonClient, books: Books, current: dict, changes: dict, body: dict
    ) -> None:
        if changes:
            problem = f"payment {current['id']} is booked in Tryton: it cannot be changed"
            raise PermanentTargetError(400, f"{problem} ({', '.join(sorted(changes))})")

    def flat(self, record: dict[str, Any], books: Books) -> dict[str, Any]:
        credit, debit = Decimal(record.get("credit") or 0), Decimal(record.get("debit") or 0)
        amount = round(float(credit or debit), 2)
        invoice = record.get("invoice_payment")
        day = record.get("date")
        return {
            **common_flat(record),
            "kind": "received" if credit else "sent",
            "date": day.isoformat() if isinstance(day, date) else None,
            "amount": amount,
            "allocations": [{"invoice_id": str(invoice), "amount": amount}] if invoice else [],
        }


def _allocation(body: dict[str, Any]) -> tuple[int, Decimal]:
    """The one invoice a payment pays, and how much."""
    allocations = body.get("allocations") or []
    if len(allocations) != 1:
        problem = f"a payment to Tryton pays one invoice ({len(allocations)} allocations)"
        raise PermanentTargetError(400, problem)
    [allocation] = allocations
    amount = (
        allocation.get("amount") if allocation.get("amount") is not None else body.get("amount")
    )
    return int(allocation["invoice_id"]), Decimal(str(amount or 0)).quantize(Decimal("0.01"))
