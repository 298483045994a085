"""Invoices as Tryton invoices (`account.invoice` with its lines), and back.

`kind` out/in is a customer/supplier invoice; `status` is Tryton's state (draft, validated,
posted, paid, cancelled). REST fills nothing in, so a create sends what the desktop client would:
the revenue or expense journal, the receivable or payable account and the line accounts of the
accounting configuration's defaults, its customer payment term, the party's first address (made
when it has none), the company, and each line's taxes resolved from its rate (a sale or
purchase `account.tax`) and the item's variant with its unit. A state is reached with Tryton's
buttons (`validate_invoice`, `post`, `cancel`, `draft`); a posted or paid invoice cannot be
written, and a payment makes it paid (providers.tryton.payments).

A create keeps our key (from the Connec! id) in the `note` of the invoice's first line, which
Tryton keeps, searches and leaves off the printed invoice; an invoice without lines keeps it in
its `description`. A repeated create (the consumer died between Tryton's answer and its own
commit) searches for the key first and finds the first invoice, with or without a reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from connec_sync.clients.errors import PermanentTargetError
from providers.tryton import values
from providers.tryton.books import Books
from providers.tryton.client import TrytonClient
from providers.tryton.records import Records, common_flat

INVOICE_FIELDS = (
    "type",
    "state",
    "reference",
    "party",
    "invoice_date",
    "currency.code",
    "comment",
    "total_amount",
    "amount_to_pay",
    "create_date",
    "write_date",
    "lines.product.template",
    "lines.description",
    "lines.quantity",
    "lines.unit_price",
    "lines.taxes",
)
#: the states an invoice goes through, in order (cancelled apart)
STATES = ("draft", "validated", "posted", "paid")
#: the button that moves an invoice one state up
FORWARD = {"draft": "validate_invoice", "validated": "post"}
#: header fields written as they are
HEADER = ("reference", "comment")
#: where an invoice without lines keeps our create's key
KEY_WITHOUT_LINES = "description"


@dataclass(frozen=True)
class Invoices(Records):
    model: str = "account.invoice"
    key_field: str = "lines.note"
    archivable: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return INVOICE_FIELDS

    @property
    def key_fields(self) -> tuple[str, ...]:
        return (self.key_field, KEY_WITHOUT_LINES)

    def replayed(self, body: dict[str, Any], code: str) -> list[Any] | None:
        return [["OR", (self.key_field, "=", code), (KEY_WITHOUT_LINES, "=", code)]]

    def make(self, client: TrytonClient, books: Books, body: dict[str, Any], code: str) -> int:
        made = int(client.create(books.database, self.model, self.created(body, books, code))["id"])
        for button in transitions("draft", body.get("status")):
            client.call(books.database, self.model, made, button)
        return made

    def save(
        self, client: TrytonClient, books: Books, current: dict, changes: dict, body: dict
    ) -> None:
        """Write the changes (a validated invoice goes back to draft for it; a posted, paid or
        cancelled one cannot be written: a 400), then press the buttons to the body's state."""
        database, number, state = books.database, int(current["id"]), current["state"]
        if changes and state in ("posted", "paid", "cancelled"):
            problem = f"invoice {number} is {state} in Tryton: it cannot be changed"
            raise PermanentTargetError(400, f"{problem} (a credit note is the way)")
        if changes and state == "validated":
            client.call(database, self.model, number, "draft")
            state = "draft"
        if changes:
            client.update(database, self.model, number, changes)
        for button in transitions(state, body.get("status")):
            client.call(database, self.model, number, button)

    def created(self, body: dict[str, Any], books: Books, code: str) -> dict[str, Any]:
        if not body.get("party_id"):
            raise PermanentTargetError(400, "an invoice to Tryton needs its organization")
        out = body.get("kind", "out") == "out"
        party = int(body["party_id"])
        record = {
            "type": "out" if out else "in",
            "party": party,
            "invoice_address": _address(books, party),
            "journal": books.journal("revenue" if out else "expense"),
            "account": books.default("default_account_" + ("receivable" if out else "payable")),
            "payment_term": books.default("default_customer_payment_term"),
            "company": books.client.context["company"],
            "currency": books.currency(body.get("currency") or books.company_currency()),
            "invoice_date": _day(body.get("invoice_date")) or date.today(),
            **{name: body[name] for name in HEADER if name in body},
        }
        lines = [_line(line, books, out) for line in body.get("lines") or ()]
        if not lines:
            return {**record, KEY_WITHOUT_LINES: code, "lines": []}
        lines[0]["note"] = code
        return {**record, "lines": [values.create(*lines)]}

    def changes(self, body: dict[str, Any], books: Books, current: dict) -> dict[str, Any]:
        out = current["type"] == "out"
        changes = {
            name: body[name]
            for name in HEADER
            if name in body and (body[name] or None) != (current.get(name) or None)
        }
        if "party_id" in body and body["party_id"] and int(body["party_id"]) != current["party"]:
            changes["party"] = int(body["party_id"])
            changes["invoice_address"] = _address(books, int(body["party_id"]))
        day = _day(body.get("invoice_date"))
        if day is not None and day != current.get("invoice_date"):
            changes["invoice_date"] = day
        if "lines" in body:
            lines = _line_actions(body["lines"] or [], current.get("lines") or [], books, out)
            if lines:
                changes["lines"] = lines
        return changes

    def flat(self, record: dict[str, Any], books: Books) -> dict[str, Any]:
        rates = books.tax_rates()
        currency = record.get("currency")
        return {
            **common_flat(record),
            "archived": False,
            "kind": record.get("type"),
            "status": record.get("state"),
            "reference": record.get("reference") or None,
            "party_id": str(record["party"]) if record.get("party") else None,
            "invoice_date": _iso_day(record.get("invoice_date")),
            "currency": currency.get("code") if isinstance(currency, dict) else None,
            "comment": record.get("comment") or None,
            "total": _amount(record.get("total_amount")),
            "amount_to_pay": _amount(record.get("amount_to_pay")),
            "lines": [_flat_line(line, rates) for line in record.get("lines") or ()],
        }


def transitions(state: str, wanted: str | None) -> list[str]:
    """The buttons that take an invoice from `state` to `wanted` (none when it is there, or
    when `wanted` is a state only payments reach: paid needs posted). A step back from posted or
    paid is refused by Tryton (a 400)."""
    if wanted is None or wanted == state:
        return []
    if wanted == "cancelled":
        return ["cancel"]
    if state == "cancelled":
        return ["draft", *transitions("draft", wanted)]
    if state == "paid" or (wanted == "paid" and state == "posted"):
        return []
    target = STATES.index("posted" if wanted == "paid" else wanted)
    here = STATES.index(state)
    if target < here:
        return ["draft", *transitions("draft", wanted)]
    return [FORWARD[STATES[step]] for step in range(here, target)]


def _address(books: Books, party: int) -> int:
    client, database = books.client, books.database
    addresses = client.read(database, "party.party", party, ["addresses"]).get("addresses") or []
    if addresses:
        return int(addresses[0])
    address = {"addresses": [values.create({})]}
    made = client.update(database, "party.party", party, address, ["addresses"])
    return int(made["addresses"][0])


def _line(line: dict[str, Any], books: Books, out: bool) -> dict[str, Any]:
    account = books.default("default_category_account_" + ("revenue" if out else "expense"))
    written = {"account": account, **_line_values(line, books, out, [])}
    written.setdefault("quantity", 1.0)
    written.setdefault("unit_price", Decimal(0))
    return written


def _line_values(
    line: dict[str, Any], books: Books, out: bool, taxes_now: list[int]
) -> dict[str, Any]:
    """A line's values; its taxes as the actions from `taxes_now` to those of its rate (Tryton
    drops what a `remove` and an `add` of one write both name)."""
    written: dict[str, Any] = {}
    if "description" in line:
        written["description"] = line["description"] or ""
    if "quantity" in line:
        written["quantity"] = float(line["quantity"] or 0)
    if "unit_price" in line:
        written["unit_price"] = Decimal(str(line["unit_price"] or 0)).quantize(Decimal("0.0001"))
    if line.get("item_id"):
        written["product"] = books.variant(int(line["item_id"]))
        written["unit"] = books.unit()
    if "tax_rate" in line:
        rate = line["tax_rate"]
        taxes = [books.tax(float(rate), "sale" if out else "purchase")] if rate else []
        gone = sorted(set(taxes_now) - set(taxes))
        new = sorted(set(taxes) - set(taxes_now))
        actions = ([values.remove(gone)] if gone else []) + ([values.add(new)] if new else [])
        if actions:
            written["taxes"] = actions
    return written


def _line_actions(
    lines: list[dict[str, Any]], current: list[dict[str, Any]], books: Books, out: bool
) -> list[list[Any]]:
    """Action lists bringing the invoice's lines to `lines`: a line with an id is written where
    it differs, a line without one is created, a line not named any more is deleted."""
    rates = books.tax_rates()
    by_id = {str(line["id"]): line for line in current}
    kept, actions, created = set(), [], []
    for line in lines:
        line_id = str(line.get("id") or "")
        if line_id in by_id:
            kept.add(line_id)
            if _flat_line(by_id[line_id], rates) != {**_flat_line(by_id[line_id], rates), **line}:
                taxes_now = [int(tax) for tax in by_id[line_id].get("taxes") or ()]
                written = _line_values(line, books, out, taxes_now)
                actions.append(values.write([int(line_id)], written))
        else:
            created.append(_line(line, books, out))
    gone = [int(line_id) for line_id in by_id if line_id not in kept]
    deleted = [values.delete(gone)] if gone else []
    return [*deleted, *actions, *([values.create(*created)] if created else [])]


def _flat_line(line: dict[str, Any], rates: dict[int, float]) -> dict[str, Any]:
    product = line.get("product")
    template = product.get("template") if isinstance(product, dict) else None
    rate = sum(rates.get(int(tax), 0.0) for tax in line.get("taxes") or ())
    return {
        "id": str(line["id"]),
        "item_id": str(template) if template else None,
        "description": line.get("description") or None,
        "quantity": line.get("quantity"),
        "unit_price": _amount(line.get("unit_price")),
        "tax_rate": round(rate, 4) or None,
    }


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _iso_day(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def _amount(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)
