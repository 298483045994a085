"""Linked organizations as a consumer sees them: read from the store and cached briefly, so a
burst of records costs one query per organization and `orgs set` is seen within TTL_S."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from consumers.outcomes import Skip
from schemas.envelope import Envelope

#: seconds an organization (or its absence) is remembered
TTL_S = 5.0
#: entries kept before the cache starts over
MAX_ENTRIES = 10_000
#: skip reasons
NOT_LINKED, DISABLED, DIRECTION_OFF = "organization_not_linked", "disabled", "direction_off"


class OrganizationLookup:
    """`for_envelope(envelope, entity, direction)`: the organization a record belongs to, or
    Skip with the reason it is not applied (not linked, disabled, direction off)."""

    def __init__(
        self, organizations: Any, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._organizations = organizations
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[tuple[str | None, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def for_envelope(self, envelope: Envelope, entity: str, direction: str) -> Any:
        organization = self.find(envelope, by_account=direction == "to-connec")
        if organization is None:
            where = envelope.account or envelope.group_id
            raise Skip(NOT_LINKED, organization=where)
        if not organization.enabled:
            raise Skip(DISABLED, organization=organization.account)
        if not organization.allows(entity, direction):
            raise Skip(DIRECTION_OFF, organization=organization.account)
        return organization

    def find(self, envelope: Envelope, by_account: bool) -> Any:
        """By partner account (to-connec) or by (tenant, group id) (to-app), else the other."""
        account, tenant, group = envelope.account, envelope.tenant, envelope.group_id
        if account and (by_account or not (tenant and group)):
            return self._get(("account", account), lambda: self._organizations.by_account(account))
        if tenant and group:
            key = ("group", tenant, group)
            return self._get(key, lambda: self._organizations.by_group(tenant, group))
        return None

    def _get(self, key: tuple[str | None, ...], load: Callable[[], Any]) -> Any:
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries = {}
            self._entries[key] = (now + self._ttl_s, value)
        return value
