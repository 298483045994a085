"""Accounts (Connec!) <-> ledger accounts (partner): the chart of accounts."""

from __future__ import annotations

from mappers.common import ARCHIVED, words
from mappers.record import RecordMapping
from mappers.rules import Field, Status

#: partner kind <-> Connec! account class
KIND = words(
    {
        "asset": "ASSET",
        "liability": "LIABILITY",
        "equity": "EQUITY",
        "revenue": "REVENUE",
        "expense": "EXPENSE",
    }
)

MAPPING = RecordMapping(
    (
        Field("code", "code"),
        Field("name", "name"),
        Field("description", "description"),
        Field("kind", "class", KIND),
        Field("currency", "currency"),
        Status("archived", "status", ARCHIVED),
    )
)
