"""Conversions shared by the entity mappers: renamed objects (addresses, prices), words, status."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Conversion:
    """How a value changes on its way to each side; never called with None (None stays None)."""

    to_partner: Callable[[Any], Any] = _same
    to_connec: Callable[[Any], Any] = _same
    #: what it does, in words, for the catalogue of shared entities (`connec-sync entities`)
    description: str = ""


SAME = Conversion()


def _rename(value: dict, names: Mapping[str, str]) -> dict:
    return {names[key]: item for key, item in value.items() if key in names}


def renamed(**partner_to_connec: str) -> Conversion:
    """An object whose keys are renamed (partner name = Connec! name); absent keys stay absent."""
    connec_to_partner = {connec: partner for partner, connec in partner_to_connec.items()}
    pairs = ", ".join(f"{partner} = {connec}" for partner, connec in partner_to_connec.items())
    return Conversion(
        to_partner=lambda value: _rename(value, connec_to_partner),
        to_connec=lambda value: _rename(value, partner_to_connec),
        description=f"keys renamed: {pairs}",
    )


def words(partner_to_connec: Mapping[str, str], otherwise: str | None = None) -> Conversion:
    """A word with a counterpart on the other side; Connec! words not listed become `otherwise`.

    Without `otherwise`, an unlisted word is a bug: the schemas admit only listed words.
    """
    connec_to_partner = {connec: partner for partner, connec in partner_to_connec.items()}

    def to_partner(word: str) -> str:
        if otherwise is None:
            return connec_to_partner[word]
        return connec_to_partner.get(word, otherwise)

    pairs = ", ".join(f"{partner} = {connec}" for partner, connec in partner_to_connec.items())
    rest = f"; any other Connec! word = {otherwise}" if otherwise is not None else ""
    return Conversion(
        to_partner=to_partner,
        to_connec=lambda word: partner_to_connec[word],
        description=f"words: {pairs}{rest}",
    )


#: partner address <-> Connec! address
ADDRESS = renamed(
    street="line1",
    street2="line2",
    city="city",
    state="region",
    postcode="postal_code",
    country="country",
)
#: partner price (`amount` net of tax) <-> Connec! price
PRICE = renamed(amount="net_amount", currency="currency", tax_rate="tax_rate")

#: Connec! statuses of a retired record. INACTIVE is retired too: the partner's only way to
#: retire a record is `archived`, and Connec! documents INACTIVE as an alternative to deletion.
#: So INACTIVE -> archived true -> ARCHIVED on the way back (the one lossy status).
RETIRED = frozenset({"INACTIVE", "ARCHIVED"})

#: partner `archived` <-> Connec! `status` (ACTIVE / INACTIVE / ARCHIVED)
ARCHIVED = Conversion(
    to_partner=lambda status: status in RETIRED,
    to_connec=lambda archived: "ARCHIVED" if archived else "ACTIVE",
    description="archived true = INACTIVE or ARCHIVED (ARCHIVED back); false = ACTIVE",
)
