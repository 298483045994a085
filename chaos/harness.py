"""One scenario run: seed, send, poll the targets' request logs, drain, and gather the evidence
the checker reads (ledgers, final state, dead letters)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import requests

from chaos.checker import Evidence, Figures, check
from chaos.cluster import ACCOUNT, GROUP, NAMESPACE, Cluster
from chaos.ledgers import KEY_FIELDS, Applied, SenderLedger, parse_key, target_id, writes_in
from chaos.sender import Sender, seed_sources
from chaos.traffic import RESOURCES, Plan, Record, Version, batches, ordered_versions
from connec_sync.settings import BrokerSettings
from connec_sync.store import DeadLetterFilter, Store
from operators.dead_letters import collect_dead_letters
from tests.private_broker import wait_until

#: seconds between two reads of the targets' request logs
POLL_S = 1.0
#: seconds without any queued message and without any new write before a run counts as drained
QUIET_S = 3.0


class Run:
    """The ledgers of one scenario over a started cluster."""

    def __init__(self, cluster: Cluster, plan: Plan) -> None:
        self.cluster, self.plan = cluster, plan
        self.ledger = SenderLedger()
        #: effects on the partner come from Connec! records, effects on Connec! from the app's
        self.applied = {"partner": Applied("connec"), "connec": Applied("app")}
        self.records: list[Record] = []
        self.requests: list[list[Version]] = []
        self.sender: Sender | None = None
        #: requests each sandbox answered 429
        self.throttled: Counter[str] = Counter()
        #: request-log reads that failed: a drain whose answer was lost loses the writes it
        #: took, so the applied ledger could miss effects (the scenario fails; see context)
        self.failed_reads = 0
        #: tries a dead-lettered version had, by key
        self.dead_attempts: dict[str, int] = {}
        self._stop = threading.Event()
        self._quiet_since: float | None = None
        self._poller = threading.Thread(target=self._poll, daemon=True, name="request-logs")

    def prepare(self) -> Run:
        self.records = seed_sources(self.cluster, self.plan)
        self.requests = batches(ordered_versions(self.records, self.plan), self.plan)
        self._poller.start()
        return self

    def send(self, duration_s: float = 0.0, workers: int = 8) -> Sender:
        self.sender = Sender(self.cluster, self.ledger, self.plan, workers).start(
            self.requests, duration_s
        )
        return self.sender

    def finish(self, timeout_s: float = 240.0) -> bool:
        """Wait for the sender, then for the system to drain; stop polling. True if drained."""
        if self.sender is not None:
            self.sender.join()
        drained = wait_until(self._quiet, timeout=timeout_s, interval=0.5)
        self._stop.set()
        self._poller.join(10)
        self.read_request_logs()
        return drained

    def finish_queues(self, timeout_s: float = 120.0) -> bool:
        """Wait until every work and retry queue is empty (dead letters stay), polling on."""
        self._quiet_since = None
        return wait_until(self._quiet, timeout=timeout_s, interval=0.5)

    def figures(
        self, expected_dead: dict[str, str] | None = None, replayed: bool = False
    ) -> Figures:
        evidence = self.evidence(self.poison() if expected_dead is None else expected_dead)
        evidence.replayed = replayed
        return check(evidence)

    def poison(self) -> dict[str, str]:
        return {r.key(1): r.poison for r in self.records if r.poison}

    def evidence(self, expected_dead: dict[str, str]) -> Evidence:
        """The ledgers, restricted to this run's records (the cluster may have served others)."""
        ours = {r.key(0).rpartition("|")[0] for r in self.records}

        def mine(key: str) -> bool:
            parsed = parse_key(key)
            return parsed is not None and parsed[0] in ours

        effects = [w.key for applied in self.applied.values() for w in applied.effects]
        return Evidence(
            sent=dict(self.ledger.sent),
            acked=set(self.ledger.acked),
            effects=[key for key in effects if mine(key)],
            final={target: key for target, key in self.final_state().items() if mine(key)},
            dead=[(key, why) for key, why in self.dead_letters() if mine(key)],
            expected_dead=expected_dead,
        )

    # -- reading the targets ---------------------------------------------------------------
    def read_request_logs(self) -> int:
        """Drain both sandboxes' request logs into the applied ledgers; the writes seen."""
        seen = 0
        for name, url in (
            ("partner", self.cluster.partner_url),
            ("connec", self.cluster.connec_url),
        ):
            answer = requests.get(url + "/_sandbox/requests", params={"drain": "true"}, timeout=30)
            answer.raise_for_status()
            entries = answer.json()
            self.throttled[name] += sum(1 for entry in entries if entry.get("status") == 429)
            writes = [write for entry in entries for write in writes_in(entry)]
            self.applied[name].take(writes)
            seen += len(writes)
        return seen

    def final_state(self) -> dict[str, str]:
        """Target record id -> the key it holds, for records written by the system."""
        final: dict[str, str] = {}
        partner = requests.get(self.cluster.partner_url + "/_sandbox/state", timeout=30).json()
        for resource in RESOURCES.values():
            for record in partner["accounts"].get(ACCOUNT, {}).get(resource, []):
                _keep(final, "connec", str(record["id"]), record.get(KEY_FIELDS[resource]))
        connec = requests.get(self.cluster.connec_url + "/_sandbox/state", timeout=30).json()
        for collection in RESOURCES:
            for record in connec["groups"][GROUP]["records"].get(collection, []):
                _keep(final, "app", target_id(record["id"]), record.get(KEY_FIELDS[collection]))
        return final

    def dead_letters(self) -> list[tuple[str, str]]:
        """(key, reason) of every dead letter, moved from the queues into the store first (as
        `connec-sync dead-letters` does), replayed ones included."""
        assert self.cluster.broker is not None
        broker = BrokerSettings(url=self.cluster.broker.url, namespace=NAMESPACE)
        store = Store.open(self.cluster.store_url)
        try:
            while collect_dead_letters(broker, store).limit_reached:
                continue
            letters = store.dead_letters.find(
                DeadLetterFilter(), states=(None, "replaying", "replayed")
            )
        finally:
            store.close()
        found = []
        for letter in letters:
            key = str((letter.envelope or {}).get("record", {}).get(KEY_FIELDS[letter.entity]))
            self.dead_attempts[key] = letter.attempts or 0
            found.append((key, letter.reason))
        return found

    def queued(self) -> int:
        """Messages (ready or unacked) in every work and retry queue of the suite."""
        assert self.cluster.broker is not None
        depths = self.cluster.broker.queue_depths()
        return sum(
            messages
            for name, messages in depths.items()
            if name.startswith(NAMESPACE + ".") and not name.endswith(".dead")
        )

    def _quiet(self) -> bool:
        quiet_since = self._quiet_since
        try:
            busy = self.queued() > 0
        except RuntimeError:
            busy = True  # the broker is down: not drained
        if busy:
            self._quiet_since = None
            return False
        if quiet_since is None:
            self._quiet_since = time.monotonic()
            return False
        return time.monotonic() - quiet_since >= QUIET_S

    def _poll(self) -> None:
        while not self._stop.wait(POLL_S):
            self._poll_once()

    def _poll_once(self) -> None:
        try:
            self.read_request_logs()
        except (requests.RequestException, ValueError):
            self.failed_reads += 1  # read again next time; counted against the run


def _keep(final: dict[str, str], source: str, record_id: str, key: Any) -> None:
    parsed = parse_key(key)
    if parsed is not None and parsed[0].startswith(source + "|"):
        final[record_id] = str(key)
