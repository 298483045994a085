"""The OData-like query parameters of the Connec! sandbox: $filter, $orderby, $top, $skip."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandboxes.clock import parse_iso
from sandboxes.connec.records import Record, dig
from sandboxes.web import SandboxError

#: page size without `$top`, and the largest page served
DEFAULT_TOP, MAX_TOP = 100, 1000
#: fields compared as timestamps rather than strings
TIME_FIELDS = frozenset({"created_at", "updated_at"})

_TERM = re.compile(r"^\s*([A-Za-z_][\w.]*)\s+(eq|ne|gt|lt|ge|le)\s+(.+?)\s*$", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "lt": lambda a, b: a < b,
    "ge": lambda a, b: a >= b,
    "le": lambda a, b: a <= b,
}


@dataclass(frozen=True)
class Term:
    field: str
    op: str
    value: Any

    def matches(self, record: Record) -> bool:
        actual, expected = dig(record, self.field), self.value
        if self.field in TIME_FIELDS and isinstance(actual, str) and isinstance(expected, str):
            actual, expected = parse_iso(actual), parse_iso(expected)
        try:
            return _OPS[self.op](actual, expected)
        except TypeError:  # e.g. None > '2026-...': not a match
            return False


def parse_filter(text: str | None) -> list[Term]:
    """`field op value` terms joined by ` and `; 400 on anything else."""
    if not text or not text.strip():
        return []
    terms = []
    for raw in _AND.split(text.strip()):
        match = _TERM.match(raw)
        if not match:
            raise SandboxError(400, "invalid_filter", f"cannot parse $filter term {raw!r}")
        field, op, value = match.groups()
        terms.append(Term(field, op.lower(), _literal(value, field)))
    return terms


def _literal(text: str, field: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] == "'":
        value = text[1:-1].replace("''", "'")
        if field in TIME_FIELDS:
            _check_time(value)
        return value
    words = {"true": True, "false": False, "null": None}
    if text.lower() in words:
        return words[text.lower()]
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        raise SandboxError(400, "invalid_filter", f"cannot parse value {text!r}") from None


def _check_time(value: str) -> None:
    try:
        parse_iso(value)
    except ValueError:
        raise SandboxError(400, "invalid_filter", f"not a timestamp: {value!r}") from None


def parse_orderby(text: str | None) -> list[tuple[str, bool]]:
    """`field [asc|desc]` joined by commas, as (field, descending)."""
    order = []
    for part in (text or "").split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise SandboxError(400, "invalid_orderby", f"cannot parse $orderby {part!r}")
        order.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return order


def sort_records(records: list[Record], order: list[tuple[str, bool]]) -> list[Record]:
    """Stable sorts, last key first; missing values sort first."""
    for field, descending in reversed(order):
        records = sorted(records, key=_sort_by(field), reverse=descending)
    return records


def _sort_by(field: str) -> Callable[[Record], tuple[int, Any]]:
    return lambda record: _sort_key(dig(record, field))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value))


def page_bounds(top: str | None, skip: str | None) -> tuple[int, int]:
    """(`$top`, `$skip`) as integers: top defaults to 100 and is capped at 1000."""
    try:
        top_n = DEFAULT_TOP if top in (None, "") else int(top)
        skip_n = 0 if skip in (None, "") else int(skip)
    except ValueError:
        raise SandboxError(400, "invalid_paging", "$top and $skip must be integers") from None
    if top_n < 1 or skip_n < 0:
        raise SandboxError(400, "invalid_paging", "$top must be >= 1 and $skip >= 0")
    return min(top_n, MAX_TOP), skip_n
