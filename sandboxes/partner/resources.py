"""The reference partner API's validation (422) of its resources (sandboxes/partner/specs.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from sandboxes.partner.specs import (
    ALLOCATION_FIELDS,
    LINE_FIELDS,
    RESOURCES,
    Field,
    ResourceSpec,
)

#: (resource, id) → does it exist (not deleted) in the account
Exists = Callable[[str, str], bool]
Problems = dict[str, list[str]]
__all__ = ["RESOURCES", "ResourceSpec", "clean", "clean_rows", "validate"]


def clean(spec: ResourceSpec, body: dict[str, Any]) -> dict[str, Any]:
    """The writable fields of a request body (unknown and read-only fields are ignored)."""
    known = {name: value for name, value in body.items() if name in spec.fields}
    if "archived" in body:
        known["archived"] = body["archived"]
    return known


def validate(spec: ResourceSpec, record: dict[str, Any], exists: Exists) -> Problems:
    """Every problem of a whole record, by field path; empty when valid."""
    problems: Problems = {}
    for name, kind in spec.fields.items():
        if record.get(name) is not None:
            _check(kind, record[name], name, exists, problems)
    if not isinstance(record.get("archived"), bool):
        problems.setdefault("archived", []).append("must be true or false")
    if spec.required_any and not any(_filled(record.get(f)) for f in spec.required_any):
        message = " or ".join(spec.required_any) + " is required"
        problems.setdefault(spec.required_any[0], []).append(message)
    return problems


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SCALARS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "num": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "date": lambda v: isinstance(v, str) and bool(_DATE.match(v)) and _is_date(v),
}
_MESSAGES = {
    "str": "must be a string",
    "bool": "must be true or false",
    "num": "must be a number",
    "date": "must be a date YYYY-MM-DD",
}


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check(kind: Field, value: Any, path: str, exists: Exists, problems: Problems) -> None:
    def problem(message: str, where: str = path) -> None:
        problems.setdefault(where, []).append(message)

    if kind.kind in _SCALARS:
        if not _SCALARS[kind.kind](value):
            problem(_MESSAGES[kind.kind])
    elif kind.kind == "enum":
        if value not in kind.choices:
            problem("must be one of " + ", ".join(kind.choices))
    elif kind.kind == "ref":
        if not isinstance(value, str) or not exists(kind.target, value):
            problem(f"does not exist in {kind.target}")
    elif kind.kind in ("address", "money"):
        _check_object(kind.kind, value, path, problems)
    else:
        _check_rows(kind.kind, value, path, exists, problems)


def _check_object(kind: str, value: Any, path: str, problems: Problems) -> None:
    if not isinstance(value, dict):
        problems.setdefault(path, []).append("must be an object")
        return
    if kind == "address":
        country = value.get("country")
        if country is not None and not (
            isinstance(country, str) and re.fullmatch("[A-Z]{2}", country)
        ):
            problems.setdefault(f"{path}.country", []).append("must be an ISO 3166 alpha-2 code")
        return
    for name in ("amount", "tax_rate"):
        if value.get(name) is not None and not _SCALARS["num"](value[name]):
            problems.setdefault(f"{path}.{name}", []).append("must be a number")


def _check_rows(kind: str, value: Any, path: str, exists: Exists, problems: Problems) -> None:
    fields = LINE_FIELDS if kind == "lines" else ALLOCATION_FIELDS
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        problems.setdefault(path, []).append("must be an array of objects")
        return
    for index, row in enumerate(value):
        for name, kind_of in fields.items():
            where = f"{path}[{index}].{name}"
            if row.get(name) is not None:
                _check(kind_of, row[name], where, exists, problems)
            elif kind == "allocations":
                problems.setdefault(where, []).append("is required")


def clean_rows(kind: str, rows: Any) -> Any:
    """Rows keep their known fields (and a line's `id`); anything malformed is left to validate."""
    if not isinstance(rows, list):
        return rows
    keep = (*LINE_FIELDS, "id") if kind == "lines" else tuple(ALLOCATION_FIELDS)
    return [{k: v for k, v in r.items() if k in keep} if isinstance(r, dict) else r for r in rows]


def invoice_total(lines: list[dict[str, Any]]) -> float:
    """Σ quantity × unit amount × (1 − discount %) × (1 + tax %), to 2 decimals."""
    total = 0.0
    for line in lines:
        quantity = line.get("quantity", 1) if line.get("quantity") is not None else 1
        gross = (
            quantity
            * (line.get("unit_amount") or 0)
            * (1 - (line.get("discount_percent") or 0) / 100)
        )
        total += gross * (1 + (line.get("tax_rate") or 0) / 100)
    return round(total, 2)
