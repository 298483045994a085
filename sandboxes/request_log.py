"""The request log both sandboxes keep: what each API call asked and what it got."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

#: entries kept; older ones are dropped first
DEFAULT_MAX_ENTRIES = 10_000


class RequestLog:
    """A bounded, thread-safe list of request entries (plain dicts)."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=max_entries)

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def drain(self) -> list[dict[str, Any]]:
        """Every entry, removed in the same step (a reader that polls misses none)."""
        with self._lock:
            entries = list(self._entries)
            self._entries.clear()
            return entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
