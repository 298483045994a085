"""The reference partner app's API client (partner-api.md §1-§2): bearer token, per-account
resources, an Idempotency-Key on creates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from connec_sync.clients.http import JsonSession, RateGate
from connec_sync.settings import Settings

#: rate-gate target name of the partner app
TARGET = "partner"


#: resources with one record per account (docs/partner-api.md): GET and PATCH the resource
SINGLETONS = frozenset({"profile"})


class PartnerClient:
    """The partner app's REST API. Errors: see connec_sync.clients.errors.

    Requests are rate-gated per (partner, account)."""

    def __init__(self, base_url: str, api_token: str, timeout_s: float, gate: RateGate) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = JsonSession(
            TARGET, timeout_s, gate, headers={"Authorization": f"Bearer {api_token}"}
        )

    @classmethod
    def from_settings(cls, settings: Settings, gate: RateGate | None = None) -> PartnerClient:
        """The configured client; pass the process's one gate to share its pauses."""
        partner = settings.partner
        return cls(partner.base_url, partner.api_token, partner.timeout_s, gate or RateGate())

    def create(
        self, account: str, resource: str, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """POST with an Idempotency-Key: a repeat with the same key returns the first record."""
        headers = {"Idempotency-Key": idempotency_key}
        url = self._url(account, resource)
        return self.http.request("POST", url, account=account, json=body, headers=headers).body

    def update(
        self, account: str, resource: str, record_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """PATCH: fields absent from `body` are unchanged; RecordNotFound if unknown."""
        url = self._url(account, resource, record_id)
        return self.http.request("PATCH", url, account=account, json=body).body

    def get(self, account: str, resource: str, record_id: str) -> dict[str, Any]:
        url = self._url(account, resource, record_id)
        return self.http.request("GET", url, account=account).body

    def delete(self, account: str, resource: str, record_id: str) -> None:
        self.http.request("DELETE", self._url(account, resource, record_id), account=account)

    def pages(
        self, account: str, resource: str, updated_since: str | None = None, limit: int = 100
    ) -> Iterator[list[dict[str, Any]]]:
        """Each page of records (by updated_at, then id), following `next_cursor` to the end;
        a singleton's one page holds its record when it changed since `updated_since`."""
        if resource in SINGLETONS:
            record = self.http.request("GET", self._url(account, resource), account=account).body
            changed = not updated_since or str(record.get("updated_at") or "") >= updated_since
            yield [record] if changed else []
            return
        params: dict[str, Any] = {"limit": limit}
        if updated_since:
            params["updated_since"] = updated_since
        while True:
            url = self._url(account, resource)
            body = self.http.request("GET", url, account=account, params=params).body
            yield list(body.get("data") or [])
            cursor = body.get("next_cursor")
            if not cursor:
                return
            params = {**params, "cursor": cursor}

    def close(self) -> None:
        self.http.close()

    def _url(self, account: str, resource: str, record_id: str | None = None) -> str:
        """A singleton's record is the resource itself: its id is not in the path."""
        url = f"{self.base_url}/v1/accounts/{quote(account, safe='')}/{resource}"
        if record_id is None or resource in SINGLETONS:
            return url
        return f"{url}/{quote(str(record_id), safe='')}"
