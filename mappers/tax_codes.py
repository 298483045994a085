"""Tax codes (Connec!) <-> tax rates (partner): the rates a sale or a purchase is taxed at."""

from __future__ import annotations

from mappers.common import ARCHIVED
from mappers.record import RecordMapping
from mappers.rules import Field, Status

MAPPING = RecordMapping(
    (
        Field("code", "code"),
        Field("name", "name"),
        Field("sale_rate", "sale_tax_rate"),
        Field("purchase_rate", "purchase_tax_rate"),
        Status("archived", "status", ARCHIVED),
    )
)
