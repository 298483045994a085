"""The sender simulator: behaves like Connec! and the partner app towards the receiver.

Before sending it seeds every record in its source sandbox without notifying (so link-back
writes find them). Then it POSTs the versions itself, several records per request: Connec!
notifications with HTTP Basic, partner events signed per Standard Webhooks. Every non-2xx
answer (or no answer) is retried with exponential backoff and jitter; some acknowledged
requests are sent again (duplicates). Requests are spread over `duration_s` by worker threads.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

import requests

from chaos.cluster import ACCOUNT, API_ID, API_KEY, GROUP, SECRET, TENANT, Cluster
from chaos.ledgers import SenderLedger
from chaos.traffic import RESOURCES, Plan, Record, Version, split_records
from sandboxes.signing import signature_header

NOTIFY_PATH = f"/maestrano/connec/notifications/{TENANT}"
EVENTS_PATH = "/app/events"
#: backoff: first wait, longest wait, and when a request is given up (seconds)
BACKOFF_START_S, BACKOFF_MAX_S, GIVE_UP_S = 0.1, 3.0, 300.0
#: seconds to wait for one answer
REQUEST_TIMEOUT_S = 15.0


def seed_sources(cluster: Cluster, plan: Plan) -> list[Record]:
    """Create every record in its source sandbox (no webhooks) and return them with their ids."""
    shapes = split_records(plan)
    records: list[Record] = []
    for source in ("connec", "app"):
        for collection in RESOURCES:
            mine = [s for s in shapes if s[0] == source and s[1] == collection]
            bases = [_base(collection, index, source) for index in range(len(mine))]
            for (_, _, versions, poison), seeded in zip(
                mine, _seed(cluster, source, collection, bases), strict=True
            ):
                record_id = _own_id(seeded)
                records.append(Record(source, collection, record_id, seeded, versions, poison))
    _seed_newest(cluster, [r for r in records if r.connec], plan)
    return records


def _seed_newest(cluster: Cluster, records: list[Record], plan: Plan) -> None:
    """Connec! holds each record at its newest version (what a GET of the record answers)."""
    for collection in RESOURCES:
        newest = [
            r.body(r.versions, plan.epoch)
            for r in records
            if r.collection == collection and not r.poison
        ]
        _seed(cluster, "connec", collection, newest)


def _base(collection: str, index: int, source: str) -> dict[str, Any]:
    if collection == "people":
        return {"first_name": f"Ann{index}", "last_name": f"Chaos-{source}"}
    return {"name": f"Chaos Corp {source} {index}"}


def _seed(cluster: Cluster, source: str, collection: str, bases: list[dict[str, Any]]) -> list[Any]:
    if not bases:
        return []
    if source == "connec":
        body = {"group_id": GROUP, "collection": collection, "records": bases}
        answer = requests.post(cluster.connec_url + "/_sandbox/seed", json=body, timeout=60)
    else:
        body = {"account": ACCOUNT, "resource": RESOURCES[collection], "records": bases}
        answer = requests.post(cluster.partner_url + "/_sandbox/seed", json=body, timeout=60)
    answer.raise_for_status()
    seeded = answer.json()  # Connec!: {collection: [...]}, partner: {"data": [...]}
    return list(seeded.get("data") or seeded.get(collection) or [])


def _own_id(record: dict[str, Any]) -> str:
    ids = record["id"]
    if isinstance(ids, list):
        return str(next(e["id"] for e in ids if e["provider"] == "connec"))
    return str(ids)


class Sender:
    """Sends `requests` (lists of versions) over `duration_s` with `workers` threads."""

    def __init__(self, cluster: Cluster, ledger: SenderLedger, plan: Plan, workers: int = 8):
        self.cluster, self.ledger, self.plan = cluster, ledger, plan
        self.rng = random.Random(plan.seed + 3)
        self.workers = workers
        self.given_up = 0
        self._queue: queue.Queue[list[Version] | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._local = threading.local()

    def start(self, requests_: Sequence[list[Version]], duration_s: float = 0.0) -> Sender:
        feeder = threading.Thread(target=self._feed, args=(requests_, duration_s), daemon=True)
        self._threads = [
            threading.Thread(target=self._work, daemon=True) for _ in range(self.workers)
        ]
        for thread in [feeder, *self._threads]:
            thread.start()
        self._threads.append(feeder)
        return self

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait until every request was answered 2xx or given up (each gives up after
        GIVE_UP_S, so the sender always ends); True if it ended within `timeout_s`. The checker
        must not run before: it would compare ledgers a still-running sender is extending (a
        soak at N = 50,000 reported versions the sender posted after the snapshot)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    def _feed(self, requests_: Sequence[list[Version]], duration_s: float) -> None:
        started, interval = time.monotonic(), duration_s / max(1, len(requests_))
        for index, request in enumerate(requests_):
            time.sleep(max(0.0, started + index * interval - time.monotonic()))
            self._queue.put(request)
        for _ in range(self.workers):
            self._queue.put(None)

    def _work(self) -> None:
        while (request := self._queue.get()) is not None:
            webhook_id = f"chaos-{uuid.uuid4().hex}"
            if self.deliver(request, webhook_id) and self.rng.random() < self.plan.duplicate_rate:
                same_id = self.rng.random() < 0.5  # a partner retry, or the same change re-sent
                self.deliver(request, webhook_id if same_id else f"chaos-{uuid.uuid4().hex}")

    def deliver(self, request: list[Version], webhook_id: str) -> bool:
        """POST until a 2xx answer (True) or until GIVE_UP_S passed (False)."""
        keys = [each.key for each in request]
        delay, deadline = BACKOFF_START_S, time.monotonic() + GIVE_UP_S
        while time.monotonic() < deadline:
            self.ledger.note_sent(keys)
            status, elapsed = self._post(request, webhook_id)
            self.ledger.note_answer(keys, status, elapsed)
            if 200 <= status < 300:
                return True
            time.sleep(random.uniform(delay / 2, delay))  # noqa: S311 (jitter)
            delay = min(delay * 2, BACKOFF_MAX_S)
        self.given_up += 1
        return False

    def _post(self, request: list[Version], webhook_id: str) -> tuple[int, float]:
        session = getattr(self._local, "session", None) or self._new_session()
        url, body, headers = self.build(request, webhook_id)
        started = time.monotonic()
        try:
            answer = session.post(url, data=body, headers=headers, timeout=REQUEST_TIMEOUT_S)
            return answer.status_code, time.monotonic() - started
        except requests.RequestException:
            self._local.session = None  # a fresh connection next time
            return 0, time.monotonic() - started

    def _new_session(self) -> requests.Session:
        self._local.session = requests.Session()
        return self._local.session

    def build(self, request: list[Version], webhook_id: str) -> tuple[str, bytes, dict[str, str]]:
        """(url, body, headers) of one request; all its versions come from one source."""
        if request[0].record.connec:
            return self._notification(request)
        return self._events(request, webhook_id)

    def _notification(self, request: list[Version]) -> tuple[str, bytes, dict[str, str]]:
        body: dict[str, list[dict[str, Any]]] = {}
        for each in request:
            record = each.record.body(each.version, self.plan.epoch)
            body.setdefault(each.record.collection, []).append(record)
        headers = {"Content-Type": "application/json"}
        url = self.cluster.receiver_url + NOTIFY_PATH
        return url, json.dumps(body).encode(), {**headers, **basic_auth()}

    def _events(self, request: list[Version], webhook_id: str) -> tuple[str, bytes, dict[str, str]]:
        events = []
        for each in request:
            record = each.record.body(each.version, self.plan.epoch)
            action = "created" if each.version == 1 else "updated"
            resource = RESOURCES[each.record.collection]
            events.append(
                {
                    "resource": resource,
                    "action": action,
                    "occurred_at": record["updated_at"],
                    "record": record,
                }
            )
        raw = json.dumps({"account": ACCOUNT, "events": events}).encode()
        return self.cluster.receiver_url + EVENTS_PATH, raw, signed_headers(webhook_id, raw)


def basic_auth(api_id: str = API_ID, api_key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": requests.auth._basic_auth_str(api_id, api_key)}


def signed_headers(webhook_id: str, raw: bytes, secret: str = SECRET) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header([secret], webhook_id, timestamp, raw),
    }
