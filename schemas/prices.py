"""Prices given with tax only: the net amount computed from the tax rate, rounded as money.

Shopify-style connectors push a line or an item priced tax-inclusive:
`unit_price: {"total_amount": 11.0, "tax_rate": 10.0}` with no `net_amount`. The partner takes
net amounts, so the net is `total / (1 + rate / 100)`, rounded half up to cents. Without a tax
rate the net cannot be known: the total is left out (a dropped field, saying why).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from marshmallow import ValidationError

CENT = Decimal("0.01")
NO_RATE = "Tax-inclusive amount without a tax rate: its net amount is left out."
BAD_RATE = "Tax-inclusive amount with a tax rate of -100% or less: its net amount is left out."


def net_amount(total: float | str, tax_rate: float | str) -> float:
    """The amount net of tax of a tax-inclusive `total` at `tax_rate` percent, to the cent."""
    gross, rate = Decimal(str(total)), Decimal(str(tax_rate))
    if rate <= -100:
        raise InvalidOperation(BAD_RATE)
    return float((gross / (1 + rate / 100)).quantize(CENT, rounding=ROUND_HALF_UP))


def with_net_amount(price: dict) -> dict:
    """A Connec! price with its net amount: as given, or computed from a tax-inclusive total.
    Raises ValidationError on `total_amount` when the net cannot be computed."""
    total = price.get("total_amount")
    if price.get("net_amount") is not None or total is None:
        return price
    if price.get("tax_rate") is None:
        raise ValidationError({"total_amount": [NO_RATE]})
    try:
        return {**price, "net_amount": net_amount(total, price["tax_rate"])}
    except InvalidOperation:
        raise ValidationError({"total_amount": [BAD_RATE]}) from None
