"""Linked organizations as the receiver sees them: read from the store, cached briefly, so links
changed by the CLI are seen within seconds and a burst of records costs one query per group."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

#: seconds an organization (or its absence) is remembered
TTL_S = 10.0
#: entries kept before the cache starts over (group ids come from authenticated senders)
MAX_ENTRIES = 10_000


class OrganizationCache:
    def __init__(
        self, organizations: Any, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._organizations = organizations
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[tuple[str, ...], tuple[float, Any]] = {}

    def by_group(self, tenant: str, group_id: str) -> Any:
        return self._get(
            ("group", tenant, group_id), lambda: self._organizations.by_group(tenant, group_id)
        )

    def by_account(self, account: str) -> Any:
        return self._get(("account", account), lambda: self._organizations.by_account(account))

    def _get(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if len(self._entries) >= MAX_ENTRIES:
            self._entries = {}
        self._entries[key] = (now + self._ttl_s, value)
        return value
