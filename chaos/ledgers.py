"""The three ledgers of reliability.md: sent, acknowledged (2xx answers) and applied (read from
the target sandbox's request log), plus the target's final state.

Every record version carries its key `source|collection|id|version` in a mapped text field
(organizations: `industry`, people: `job_title`), so each write of the target reveals which
version it applied. An effect is a write that changed the key a target record holds (a create,
or an update to another key); a write that leaves it as it was (a redelivery after a crash, an
idempotent replay, a no-op upsert) is not an effect.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: the text field that carries the key, per Connec! collection and per partner resource
KEY_FIELDS = {
    "organizations": "industry",
    "people": "job_title",
    "companies": "industry",
    "contacts": "job_title",
}
#: a request path of the target APIs: partner `/v1/accounts/{account}/{resource}[/{id}]`,
#: Connec! `/api/v2/{group}/{collection}[/{id}]`
_PATH = re.compile(r"/(?P<kind>companies|contacts|organizations|people)(?:/(?P<id>[^/]+))?/?$")
WRITES = frozenset({"POST", "PUT", "PATCH"})


def key_of(source: str, collection: str, record_id: str, version: int) -> str:
    return f"{source}|{collection}|{record_id}|{version}"


def parse_key(key: Any) -> tuple[str, int] | None:
    """(record, version) of a key, the record being `source|collection|id`; None if no key."""
    if not isinstance(key, str) or key.count("|") != 3:
        return None
    record, _, version = key.rpartition("|")
    return (record, int(version)) if version.isdigit() else None


@dataclass(frozen=True)
class Write:
    """A successful write the target logged: the record it landed on and the key it holds after."""

    at: str
    target_id: str
    key: str


@dataclass
class Applied:
    """Effects in the order the target applied them, with the key each target record holds."""

    source: str  # the source whose keys count here: "connec" on the partner, "app" on Connec!
    effects: list[Write] = field(default_factory=list)
    holds: dict[str, str] = field(default_factory=dict)
    seen_writes: int = 0

    def take(self, writes: Iterable[Write]) -> None:
        for write in writes:
            parsed = parse_key(write.key)
            if parsed is None or not parsed[0].startswith(self.source + "|"):
                continue  # a link-back or some other write that carries no key of ours
            self.seen_writes += 1
            if self.holds.get(write.target_id) != write.key:
                self.holds[write.target_id] = write.key
                self.effects.append(write)


def writes_in(entry: dict[str, Any]) -> list[Write]:
    """The successful writes of one request-log entry (a /batch entry may hold several)."""
    method, path, status = entry.get("method"), str(entry.get("path") or ""), entry.get("status")
    if method not in WRITES or path.startswith("/_sandbox") or not isinstance(status, int):
        return []
    if path.rstrip("/").endswith("/batch"):
        return _batch_writes(entry)
    match = _PATH.search(path)
    if match is None or status >= 300:
        return []
    record = _unwrap(entry.get("answer"), match["kind"])
    return [_write(entry["at"], record, match["kind"])] if record else []


def _batch_writes(entry: dict[str, Any]) -> list[Write]:
    writes = []
    for result in (entry.get("answer") or {}).get("results") or []:
        body = result.get("body") if isinstance(result, dict) else None
        if not isinstance(body, dict) or not 200 <= int(result.get("status") or 0) < 300:
            continue
        for kind, record in body.items():
            if kind in KEY_FIELDS and isinstance(record, dict):
                writes.append(_write(entry["at"], record, kind))
    return writes


def _unwrap(answer: Any, kind: str) -> dict[str, Any] | None:
    if isinstance(answer, dict) and isinstance(answer.get(kind), dict):
        return answer[kind]  # Connec!: {"organizations": {...}}
    return answer if isinstance(answer, dict) and "id" in answer else None


def _write(at: str, record: dict[str, Any], kind: str) -> Write:
    return Write(at, target_id(record.get("id")), str(record.get(KEY_FIELDS[kind])))


def target_id(ids: Any) -> str:
    """A record's own id: the partner's id, or the Connec! entry of an id array."""
    if isinstance(ids, list):
        own = [e for e in ids if isinstance(e, dict) and e.get("provider") == "connec"]
        return str((own or ids or [{}])[0].get("id"))
    return str(ids)


@dataclass(frozen=True)
class Answer:
    """One answer the sender got: when (monotonic), the status (0: no answer), how long."""

    at: float
    status: int
    elapsed_s: float


class SenderLedger:
    """What the sender sent and what was acknowledged; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: Counter[str] = Counter()
        self.acked: set[str] = set()
        self.answers: list[Answer] = []

    def note_sent(self, keys: Iterable[str]) -> None:
        with self._lock:
            self.sent.update(keys)

    def note_answer(self, keys: Iterable[str], status: int, elapsed_s: float) -> None:
        with self._lock:
            self.answers.append(Answer(time.monotonic(), status, elapsed_s))
            if 200 <= status < 300:
                self.acked.update(keys)

    def statuses(self, start: float = 0.0, end: float = float("inf")) -> Counter[int]:
        with self._lock:
            return Counter(a.status for a in self.answers if start <= a.at <= end)
