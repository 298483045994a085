"""What one Tryton database's records refer to, found once per database and kept: the party
categories that tell organizations, people, customers and suppliers apart (made at first use),
the relation types that tie a person to an organization (made at first use, each the other's
reverse), countries by ISO code, and the unit items are counted in.

REST runs no `on_change` and fills no default in, so the provider sends every such reference
itself (docs/tryton.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from connec_sync.clients.errors import PermanentTargetError
from providers.tryton.client import TrytonClient

#: party categories of ours, by role (found by name, made when missing)
ORGANIZATION, PERSON, CUSTOMER, SUPPLIER = "Organization", "Person", "Customer", "Supplier"
#: the relation from a person to their organization, and its reverse
EMPLOYEE_OF, EMPLOYER_OF = "Employee of", "Employer of"
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

    def _once(self, key: tuple[str, str], find: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._found:
                self._found[key] = find()
            return self._found[key]

    def _named(self, model: str, name: str, **fields: Any) -> int:
        found = self.client.search(
            self.database, model, [("name", "=", name)], ["id"], [("id", "ASC")], 1
        )
        if found:
            return int(found[0]["id"])
        return int(self.client.create(self.database, model, {"name": name, **fields})["id"])

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
