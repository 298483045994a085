"""One partner account's records, idempotency keys and payment allocations."""

from __future__ import annotations

import base64
import copy
import json
from datetime import datetime, timedelta
from typing import Any

from sandboxes.partner.resources import RESOURCES, invoice_total
from sandboxes.partner.specs import SINGLETON_ID, TOTALLED
from sandboxes.web import SandboxError

Record = dict[str, Any]
#: how long an `Idempotency-Key` answers with the first answer
IDEMPOTENCY_TTL = timedelta(hours=24)
#: page size without `limit`, and the largest page served (larger limits are capped)
DEFAULT_LIMIT, MAX_LIMIT = 100, 200
#: when a new account's singleton records (its profile) were last changed
NEW_ACCOUNT_AT = "2000-01-01T00:00:00.000000Z"


class AccountStore:
    def __init__(self, account: str) -> None:
        self.account = account
        self.records: dict[str, dict[str, Record]] = {name: {} for name in RESOURCES}
        for name, spec in RESOURCES.items():
            if spec.singleton:  # blank, as a new account's profile is
                blank = {"id": SINGLETON_ID, **dict.fromkeys(spec.fields), "archived": False}
                blank |= {"created_at": NEW_ACCOUNT_AT, "updated_at": NEW_ACCOUNT_AT}
                self.records[name][SINGLETON_ID] = blank
        self.idempotency: dict[tuple[str, str], tuple[datetime, Record]] = {}

    def exists(self, resource: str, record_id: str) -> bool:
        return record_id in self.records.get(resource, {})

    def get(self, resource: str, record_id: str) -> Record:
        record = self.records[resource].get(record_id)
        if record is None:
            raise SandboxError(404, "not_found", f"no {resource} record {record_id}")
        return record

    def remembered(self, resource: str, key: str, now: datetime) -> Record | None:
        """The first answer to a POST with this key, if within 24 h."""
        found = self.idempotency.get((resource, key))
        return copy.deepcopy(found[1]) if found and now - found[0] < IDEMPOTENCY_TTL else None

    def remember(self, resource: str, key: str, now: datetime, answer: Record) -> None:
        self.idempotency[(resource, key)] = (now, copy.deepcopy(answer))

    def render(self, resource: str, record: Record) -> Record:
        """The record as answered: invoices, quotes and orders get `total`, invoices `balance`
        (total − allocations)."""
        out = copy.deepcopy(record)
        if resource in TOTALLED:
            out["total"] = invoice_total(out.get("lines") or [])
        if resource == "invoices":
            out["balance"] = round(out["total"] - self._allocated(out["id"]), 2)
        return out

    def _allocated(self, invoice_id: str) -> float:
        return sum(
            allocation.get("amount") or 0
            for payment in self.records["payments"].values()
            for allocation in payment.get("allocations") or []
            if allocation.get("invoice_id") == invoice_id
        )

    def page(
        self, resource: str, since: str | None, cursor: str | None, limit: int
    ) -> tuple[list[Record], str | None]:
        """Records ordered by (updated_at, id), from `since` (inclusive) and after `cursor`."""
        after = decode_cursor(cursor) if cursor else None
        rows = sorted(self.records[resource].values(), key=lambda r: (r["updated_at"], r["id"]))
        rows = [r for r in rows if (since is None or r["updated_at"] >= since)]
        if after:
            rows = [r for r in rows if (r["updated_at"], r["id"]) > after]
        page, more = rows[:limit], len(rows) > limit
        next_cursor = encode_cursor(page[-1]["updated_at"], page[-1]["id"]) if more else None
        return [self.render(resource, r) for r in page], next_cursor


def encode_cursor(updated_at: str, record_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([updated_at, record_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        updated_at, record_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(updated_at), str(record_id)
    except (ValueError, TypeError):
        raise SandboxError(400, "invalid_cursor", "cursor is not one this API returned") from None


def page_limit(raw: str | None) -> int:
    try:
        limit = DEFAULT_LIMIT if raw in (None, "") else int(raw)
    except ValueError:
        raise SandboxError(400, "invalid_limit", "limit must be an integer") from None
    if limit < 1:
        raise SandboxError(400, "invalid_limit", "limit must be at least 1")
    return min(limit, MAX_LIMIT)
