"""Accounts (of the chart of accounts) in Connec! and ledger accounts in the partner app."""

from __future__ import annotations

from marshmallow import validate

from schemas.shapes import RECORD_STATUS, choice, entity_schemas, text

#: the classes of a Connec! account
CLASSES = ("ASSET", "LIABILITY", "EQUITY", "REVENUE", "EXPENSE")

SCHEMAS = entity_schemas(
    "Account",
    connec={
        "status": RECORD_STATUS,
        "code": text(),
        "name": text(),
        "description": text(),
        "class": choice(*CLASSES),
        "currency": text(),
    },
    partner={
        "code": text(),
        "name": text(required=True),
        "description": text(),
        "kind": choice(*(each.lower() for each in CLASSES)),
        "currency": text(validate=validate.Length(equal=3)),
    },
)
