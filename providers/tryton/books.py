"""What one Tryton database's records refer to, found once per database and kept: the party
categories that tell organizations, people, customers and suppliers apart (made at first use),
the relation types that tie a person to an organization (made at first use, each the other's
reverse), countries by ISO code, the unit items are counted in, and what an invoice needs: the
default accounts and payment term of the accounting configuration, the revenue and expense
journals, currencies by code, taxes by rate, a payment method, an item's variant.

REST runs no `on_change` and fills no default in, so the provider sends every such reference
itself (docs/tryton.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from connec_sync.clients.errors import PermanentTargetError
from providers.tryton.client import TrytonClient

#: party categories of ours, by role (found by name, made when missing)
ORGANIZATION, PERSON, CUSTOMER, SUPPLIER = "Organization", "Person", "Customer", "Supplier"
#: the relation from a person to their organization, and its reverse
EMPLOYEE_OF, EMPLOYER_OF = "Employee of", "Employer of"
#: the accounting product category made for items when the books have none
ITEM_CATEGORY = "Connec! items"
#: the unit items are counted in (Tryton's "Unit")
UNIT_SYMBOL = "u"


class Books:
    """The references of one database (`account`), each looked up once (thread-safe)."""

    def __init__(self, client: TrytonClient, database: str) -> None:
        self.client, self.database = client, database
        self._found: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def category(self, name: str) -> int:
        """The id of the party category `name`, made if there is none."""
        return int(self._once(("category", name), lambda: self._named("party.category", name)))

    def relation_types(self) -> tuple[int, int]:
        """(employee of, employer of): two party relation types, each the other's reverse, so
        a relation shows on both parties."""
        return self._once(("relation", EMPLOYEE_OF), self._relation_types)

    def country(self, code: str) -> int:
        """The id of the country with ISO code `code`; a 400 when the database has none."""
        code = code.upper()
        found = self._once(("country", code), lambda: self._country(code))
        if found is None:
            problem = f"country {code} is not in the Tryton database {self.database}"
            raise PermanentTargetError(400, f"{problem} (load them: trytond_import_countries)")
        return int(found)

    def unit(self) -> int:
        """The unit items are counted in."""
        return int(self._once(("unit", UNIT_SYMBOL), self._unit))

    def default(self, name: str) -> int:
        """A default of the accounting configuration (`default_account_receivable`,
        `default_category_account_revenue`, `default_customer_payment_term`...)."""
        return int(self._once(("default", name), lambda: self._configured(name)))

    def journal(self, kind: str) -> int:
        """The first journal of type `kind` (revenue, expense)."""
        return int(self._once(("journal", kind), lambda: self._first("account.journal", kind)))

    def currency(self, code: str) -> int:
        """The currency with ISO code `code`; a 400 when the database has none."""
        code = code.upper()
        found = self._once(("currency", code), lambda: self._search_one("currency.currency", code))
        if found is None:
            raise PermanentTargetError(400, f"currency {code} is not in {self.database}")
        return int(found)

    def company_currency(self) -> str:
        """The ISO code of the company's currency."""
        return str(self._once(("company_currency", ""), self._company_currency))

    def tax(self, rate: float, kind: str) -> int:
        """The percentage tax of `rate` percent for `kind` (sale or purchase); a 400 when the
        books have none."""
        key = (f"tax-{kind}", f"{rate:g}")
        found = self._once(key, lambda: self._tax(rate, kind))
        if found is None:
            raise PermanentTargetError(400, f"no {kind} tax of {rate:g} % in {self.database}")
        return int(found)

    def tax_rates(self) -> dict[int, float]:
        """Every percentage tax's rate in percent, by id."""
        return self._once(("taxes", "all"), self._rates)

    def payment_method(self) -> int:
        """The first invoice payment method (the pay wizard's journal and account)."""
        found = self._once(("payment_method", ""), self._payment_method)
        if found is None:
            raise PermanentTargetError(400, f"no invoice payment method in {self.database}")
        return int(found)

    def item_category(self) -> int:
        """The accounting product category of the items we make (an invoice line with a
        product takes its accounts from it): the first there is, else one made with the
        configuration's default revenue and expense accounts."""
        return int(self._once(("item_category", ""), self._item_category))

    def variant(self, template: int) -> int:
        """The first variant (`product.product`) of an item's template."""
        return int(self._once(("variant", str(template)), lambda: self._variant(template)))

    def _once(self, key: tuple[str, str], find: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._found:
                self._found[key] = find()
            return self._found[key]

    def _named(self, model: str, name: str, **fields: Any) -> int:
        """The record of `model` called `name`, made if there is none; when another process
        made it at the same moment (a 400: names are unique), theirs."""
        found = self._by_name(model, name)
        if found is not None:
            return found
        try:
            return int(self.client.create(self.database, model, {"name": name, **fields})["id"])
        except PermanentTargetError:
            found = self._by_name(model, name)
            if found is None:
                raise
            return found

    def _by_name(self, model: str, name: str) -> int | None:
        domain = [("name", "=", name)]
        found = self.client.search(self.database, model, domain, ["id"], [("id", "ASC")], 1)
        return int(found[0]["id"]) if found else None

    def _relation_types(self) -> tuple[int, int]:
        employee_of = self._named("party.relation.type", EMPLOYEE_OF)
        employer_of = self._named("party.relation.type", EMPLOYER_OF, reverse=employee_of)
        types = self.client.search(
            self.database, "party.relation.type", [("id", "in", [employee_of])], ["reverse"]
        )
        if types and types[0].get("reverse") != employer_of:
            changes = {"reverse": employer_of}
            self.client.update(self.database, "party.relation.type", employee_of, changes)
        return employee_of, employer_of

    def _country(self, code: str) -> int | None:
        found = self.client.search(self.database, "country.country", [("code", "=", code)], ["id"])
        return int(found[0]["id"]) if found else None

    def _unit(self) -> int:
        domain = [("symbol", "=", UNIT_SYMBOL)]
        found = self.client.search(self.database, "product.uom", domain, ["id"], [("id", "ASC")])
        if not found:
            raise PermanentTargetError(400, f"no unit {UNIT_SYMBOL!r} in {self.database}")
        return int(found[0]["id"])

    def _configured(self, name: str) -> int:
        found = self.client.read(self.database, "account.configuration", 1, [name]).get(name)
        if not found:
            raise PermanentTargetError(400, f"{name} is not set in {self.database}")
        return int(found)

    def _first(self, model: str, kind: str) -> int:
        found = self.client.search(self.database, model, [("type", "=", kind)], ["id"])
        if not found:
            raise PermanentTargetError(400, f"no {kind} {model} in {self.database}")
        return int(found[0]["id"])

    def _search_one(self, model: str, code: str) -> int | None:
        found = self.client.search(self.database, model, [("code", "=", code)], ["id"])
        return int(found[0]["id"]) if found else None

    def _company_currency(self) -> str:
        company = self.client.context["company"]
        found = self.client.read(self.database, "company.company", company, ["currency.code"])
        return str(found["currency"]["code"])

    def _tax(self, rate: float, kind: str) -> int | None:
        domain = [
            ("type", "=", "percentage"),
            ("rate", "=", Decimal(str(rate)) / 100),
            ("group.kind", "in", [kind, "both"]),
        ]
        found = self.client.search(self.database, "account.tax", domain, ["id"], [("id", "ASC")])
        return int(found[0]["id"]) if found else None

    def _rates(self) -> dict[int, float]:
        domain = [("type", "=", "percentage")]
        found = self.client.search(self.database, "account.tax", domain, ["rate"])
        return {int(tax["id"]): float(tax["rate"]) * 100 for tax in found}

    def _payment_method(self) -> int | None:
        found = self.client.search(
            self.database, "account.invoice.payment.method", [], ["id"], [("id", "ASC")], 1
        )
        return int(found[0]["id"]) if found else None

    def _item_category(self) -> int:
        domain = [("accounting", "=", True)]
        found = self.client.search(
            self.database, "product.category", domain, ["id"], [("id", "ASC")], 1
        )
        if found:
            return int(found[0]["id"])
        category = {
            "name": ITEM_CATEGORY,
            "accounting": True,
            "account_revenue": self.default("default_category_account_revenue"),
            "account_expense": self.default("default_category_account_expense"),
        }
        return int(self.client.create(self.database, "product.category", category)["id"])

    def _variant(self, template: int) -> int:
        domain = [("template", "=", template), ("active", "in", [True, False])]
        found = self.client.search(
            self.database, "product.product", domain, ["id"], [("id", "ASC")]
        )
        if not found:
            raise PermanentTargetError(400, f"item {template} has no variant in {self.database}")
        return int(found[0]["id"])
