"""Connec! REST API v2 client (connec-api.md §2-§3): group-scoped collections, upserts, batch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

from connec_sync.clients.http import JsonSession, RateGate
from connec_sync.settings import Settings, SettingsError, TenantSettings

#: rate-gate target name of Connec!
TARGET = "connec"
#: most operations Connec! is sent in one batch call (Maestrano's connector used 50)
MAX_BATCH_OPS = 50
#: collections of one record per group (connec-api.md §5): `GET`/`PUT /{group}/{collection}`
SINGLETONS = frozenset({"company"})


@dataclass(frozen=True)
class BatchResult:
    """The answer to one operation of a batch; a batch can partly fail, so check each."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class ConnecClient:
    """One tenant's credentials against one Connec! host. Errors: see connec_sync.clients.errors.

    Records go in and come out unwrapped: the client adds and removes the `{collection: ...}`
    envelope. Requests are rate-gated per (connec, group id)."""

    def __init__(
        self, base_url: str, tenant: TenantSettings, timeout_s: float, gate: RateGate
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = JsonSession(
            TARGET,
            timeout_s,
            gate,
            auth=(tenant.api_id, tenant.api_key),
            headers={"Content-Type": "application/json", "CONNEC-EXTERNAL-IDS": "true"},
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, tenant: str, gate: RateGate | None = None
    ) -> ConnecClient:
        """The client of a configured tenant; pass the process's one gate to share its pauses."""
        credentials = settings.tenant(tenant)
        if credentials is None:
            raise SettingsError(f"connec.tenants.{tenant}", "is not configured")
        connec = settings.connec
        return cls(connec.base_url, credentials, connec.timeout_s, gate or RateGate())

    def get(self, group: str, collection: str, connec_id: str) -> dict[str, Any]:
        """The record; RecordNotFound if Connec! does not know it."""
        answer = self.http.request("GET", self._url(group, collection, connec_id), account=group)
        return answer.body[collection]

    def upsert(self, group: str, collection: str, record: dict[str, Any]) -> tuple[int, dict]:
        """POST: creates (201) or, when the id array holds a linked external id, updates (200).
        A singleton (`company`) is never created: PUT updates it (200)."""
        url = self._url(group, collection)
        method = "PUT" if collection in SINGLETONS else "POST"
        answer = self.http.request(method, url, account=group, json={collection: record})
        return answer.status, answer.body[collection]

    def update(
        self, group: str, collection: str, connec_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """PUT a partial record (e.g. linking back an app id); returns the whole record."""
        url = self._url(group, collection, connec_id)
        answer = self.http.request("PUT", url, account=group, json={collection: body})
        return answer.body[collection]

    def pages(
        self, group: str, collection: str, filter: str | None = None, top: int = 100
    ) -> Iterator[list[dict[str, Any]]]:
        """Each page of records, following `pagination.next` until it is absent; a singleton's
        one page holds its record (unfiltered: the consumer skips it when unchanged)."""
        params: dict[str, Any] | None = {"$top": top, **({"$filter": filter} if filter else {})}
        url = self._url(group, collection)
        if collection in SINGLETONS:
            yield [self.http.request("GET", url, account=group).body[collection]]
            return
        while True:
            body = self.http.request("GET", url, account=group, params=params).body
            yield list(body.get(collection) or [])
            next_url = (body.get("pagination") or {}).get("next")
            if not next_url:
                return
            # the next link already carries the query
            url, params = urljoin(self.base_url + "/", next_url), None

    def batch(self, ops: list[dict[str, Any]], group: str | None = None) -> list[BatchResult]:
        """POST {host}/batch (sequential); one result per op, in order. `group` keys the gate."""
        if len(ops) > MAX_BATCH_OPS:
            raise ValueError(f"a batch holds at most {MAX_BATCH_OPS} operations, not {len(ops)}")
        body = {"sequential": True, "ops": ops}
        answer = self.http.request("POST", f"{self.base_url}/batch", account=group, json=body)
        return [BatchResult(int(r["status"]), r.get("body")) for r in answer.body["results"]]

    def close(self) -> None:
        self.http.close()

    def _url(self, group: str, collection: str, connec_id: str | None = None) -> str:
        """A singleton's record is the collection itself: `GET`/`PUT /{group}/company`."""
        url = f"{self.base_url}/api/v2/{quote(group, safe='')}/{collection}"
        if connec_id is None or collection in SINGLETONS:
            return url
        return f"{url}/{quote(connec_id, safe='')}"
