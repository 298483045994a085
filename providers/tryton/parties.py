"""Organizations and people as Tryton parties (`party.party`), and back.

Tryton has one model for both and no flag telling them apart: the provider marks each party with
a category of its own, "Organization" or "Person" (and "Customer", "Supplier" for the roles), so
the mark survives a round trip and a search by category finds each kind. A person's organization
is a `party.relation` "Employee of" from the person (its reverse, "Employer of", shows it on the
organization). Email, phone, mobile and website are the first contact mechanism of each type;
the address is the party's first address (street lines, postal code, city, country by ISO code).

Each kind is a `Records`: the fields to read, the values to write for a flat record (create, or
update of what was read), and the flat record of what was read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from providers.tryton import values
from providers.tryton.books import CUSTOMER, ORGANIZATION, PERSON, SUPPLIER, Books
from providers.tryton.records import Records, common_flat

#: flat field <-> contact mechanism type
MECHANISMS = {"email": "email", "phone": "phone", "mobile": "mobile", "website": "website"}
#: flat role flag <-> category
ROLES = {"is_customer": CUSTOMER, "is_supplier": SUPPLIER}
PARTY_FIELDS = (
    "name",
    "active",
    "create_date",
    "write_date",
    "categories",
    "identifiers.code",
    "contact_mechanisms.type",
    "contact_mechanisms.value",
    "addresses.street",
    "addresses.postal_code",
    "addresses.city",
    "addresses.country.code",
)


@dataclass(frozen=True)
class Parties(Records):
    """Parties of one kind (`ORGANIZATION` or `PERSON`); people carry `organization_id`."""

    kind: str = ORGANIZATION
    model: str = "party.party"
    key_field: str = "identifiers.code"

    @property
    def fields(self) -> tuple[str, ...]:
        return PARTY_FIELDS + (("relations.to", "relations.type") if self.is_person else ())

    @property
    def is_person(self) -> bool:
        return self.kind == PERSON

    def domain(self, books: Books) -> list[Any]:
        return [*super().domain(books), ("categories", "=", books.category(self.kind))]

    def created(self, body: dict[str, Any], books: Books, code: str) -> dict[str, Any]:
        return {**self._values(body, books, None), "identifiers": [values.create({"code": code})]}

    def changes(self, body: dict[str, Any], books: Books, current: dict) -> dict[str, Any]:
        changes = self._values(body, books, current)
        if changes.get("name") == current.get("name"):
            del changes["name"]
        return changes

    def _values(self, body: dict[str, Any], books: Books, current: dict | None) -> dict[str, Any]:
        written: dict[str, Any] = {}
        if "name" in body:
            written["name"] = body["name"]
        if categories := _categories(body, books, self.kind, current):
            written["categories"] = categories
        if mechanisms := _mechanisms(body, current):
            written["contact_mechanisms"] = mechanisms
        if "address" in body and (address := _address(body["address"], books, current)):
            written["addresses"] = address
        tied = self.is_person and "organization_id" in body
        if tied and (relations := _relations(body["organization_id"], books, current)):
            written["relations"] = relations
        return written

    def flat(self, record: dict[str, Any], books: Books) -> dict[str, Any]:
        flat = common_flat(record)
        flat["name"] = record.get("name")
        categories = set(record.get("categories") or ())
        for flag, role in ROLES.items():
            flat[flag] = books.category(role) in categories
        mechanisms = _first_by_type(record.get("contact_mechanisms") or ())
        for name, kind in MECHANISMS.items():
            if self.is_person or name != "mobile":
                flat[name] = (mechanisms.get(kind) or {}).get("value") or None
        flat["address"] = _flat_address((record.get("addresses") or [None])[0])
        if self.is_person:
            employee_of, _ = books.relation_types()
            tied = [r["to"] for r in record.get("relations") or () if r["type"] == employee_of]
            flat["organization_id"] = str(tied[0]) if tied else None
        return flat


def _categories(
    body: dict[str, Any], books: Books, kind: str, current: dict | None
) -> list[list[Any]]:
    have = set((current or {}).get("categories") or ())
    add = [books.category(kind)] if current is None else []
    remove = []
    for flag, role in ROLES.items():
        if body.get(flag) is True:
            add.append(books.category(role))
        elif body.get(flag) is False and books.category(role) in have:
            remove.append(books.category(role))
    add = [each for each in add if each not in have]
    return [*([values.add(add)] if add else []), *([values.remove(remove)] if remove else [])]


def _first_by_type(mechanisms: Any) -> dict[str, dict[str, Any]]:
    first: dict[str, dict[str, Any]] = {}
    for mechanism in mechanisms:
        first.setdefault(mechanism.get("type"), mechanism)
    return first


def _mechanisms(body: dict[str, Any], current: dict | None) -> list[list[Any]]:
    """Action lists setting the first mechanism of each type the body names."""
    existing = _first_by_type((current or {}).get("contact_mechanisms") or ())
    created, actions = [], []
    for name, kind in MECHANISMS.items():
        if name not in body:
            continue
        value, mechanism = body[name] or None, existing.get(kind)
        if mechanism is None and value:
            created.append({"type": kind, "value": value})
        elif mechanism is not None and not value:
            actions.append(values.delete([mechanism["id"]]))
        elif mechanism is not None and mechanism.get("value") != value:
            actions.append(values.write([mechanism["id"]], {"value": value}))
    return actions + ([values.create(*created)] if created else [])


def _address(flat: dict | None, books: Books, current: dict | None) -> list[list[Any]]:
    """Action lists setting the first address from a flat one (None clears it: an address may
    be on an invoice, so it is emptied, not deleted)."""
    flat = flat or {}
    lines = [flat.get("street"), flat.get("street2")]
    country = flat.get("country")
    fields = {
        "street": "\n".join(line for line in lines if line) or None,
        "postal_code": flat.get("postcode"),
        "city": flat.get("city"),
        "country": books.country(country) if country else None,
    }
    addresses = (current or {}).get("addresses") or ()
    if not addresses:
        return [values.create(fields)] if any(fields.values()) else []
    first = addresses[0]
    if _flat_address(first) == _flat_address({**fields, "country": {"code": country}}):
        return []
    return [values.write([first["id"]], fields)]


def _flat_address(address: dict | None) -> dict[str, Any] | None:
    """A Tryton address as a flat one, empty parts left out; None when it has none."""
    if not address:
        return None
    street, _, street2 = (address.get("street") or "").partition("\n")
    country = address.get("country")
    flat = {
        "street": street,
        "street2": street2,
        "city": address.get("city"),
        "postcode": address.get("postal_code"),
        "country": country.get("code") if isinstance(country, dict) else None,
    }
    return {key: value for key, value in flat.items() if value} or None


def _relations(organization_id: Any, books: Books, current: dict | None) -> list[list[Any]]:
    """Action lists tying a person to `organization_id` alone (None: to no organization)."""
    employee_of, _ = books.relation_types()
    mine = [r for r in (current or {}).get("relations") or () if r["type"] == employee_of]
    wanted = [int(organization_id)] if organization_id else []
    if [r["to"] for r in mine] == wanted:
        return []
    actions = [values.delete([r["id"] for r in mine])] if mine else []
    if wanted:
        actions.append(values.create({"to": wanted[0], "type": employee_of}))
    return actions
