"""Lineage: each record's journey kept in the store (connec_sync.store.lineage), per record and
version, from every consumer process: received (origin and message id), each delivery (attempt,
outcome, reason, duration), mapped, written (target, method, status, idempotency key, the other
side's id), linked back, skipped, retried or dead-lettered with the reason, acked.

Off the hot path: the worker hands each settled delivery to `LineageRecorder.settled` (an append
under a lock); the recorder's thread turns them into rows, one per delivery (`connec-sync trace`
unfolds it into steps), and writes them in one batched insert every FLUSH_S. Lineage never holds
up the sync: a store failure drops that batch (logged), and at most MAX_PENDING deliveries wait.
The recorder also prunes events older than `lineage.retention_days`, at start and every
PRUNE_EVERY_S.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connec_sync import logs
from connec_sync.broker import Delivery
from connec_sync.store.clock import utcnow
from consumers.lineage_rows import Settled, delivery_row, link_back_row
from consumers.verdicts import Verdict
from schemas.envelope import Envelope

#: seconds between two batched inserts
FLUSH_S = 0.5
#: settled deliveries waiting for the writer at most (beyond: the oldest are dropped, counted)
MAX_PENDING = 20_000
#: seconds between two prunes of old events
PRUNE_EVERY_S = 3600.0

_log = logs.get_logger("consumers")


@dataclass
class _Queue:
    items: list[Any]
    dropped: int = 0


class LineageRecorder:
    """A worker's background service and settled-delivery observer (consumers.runtime.worker);
    the link-back sender reports to it too (`linked_back`)."""

    def __init__(
        self, lineage: Any, retention_days: int, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.lineage, self.clock = lineage, clock
        self.retention = timedelta(days=retention_days)
        self._queue = _Queue([])
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned_at = -PRUNE_EVERY_S

    def settled(
        self, delivery: Delivery, envelope: Envelope | None, verdict: Verdict, duration_s: float
    ) -> None:
        """Called on the worker's thread once a delivery is settled: queued, nothing more."""
        route = delivery.route
        item = Settled(
            route.entity,
            route.direction,
            delivery.lane,
            delivery.message_id,
            delivery.redelivered,
            delivery.body,
            envelope,
            verdict,
            duration_s,
            self.clock(),
        )
        self._put(item)

    def linked_back(self, entity: str, connec_id: str, outcome: str, error: str | None) -> None:
        """Called by the link-back sender once Connec! answered a record's link-back."""
        self._put(link_back_row(entity, connec_id, outcome, error, self.clock()))

    def _put(self, item: Any) -> None:
        with self._lock:
            queue = self._queue
            queue.items.append(item)
            if len(queue.items) > MAX_PENDING:
                del queue.items[0]
                queue.dropped += 1

    def flush(self) -> int:
        """Write what is queued in one insert; returns how many events were kept."""
        with self._lock:
            taken, self._queue = self._queue, _Queue([])
        if taken.dropped:
            _log.warning("lineage_dropped", deliveries=taken.dropped, reason="writer behind")
        rows = [delivery_row(item) if isinstance(item, Settled) else item for item in taken.items]
        try:
            self.lineage.add(rows)
        except Exception as error:  # lineage is a record, never a reason to stop syncing
            _log.warning("lineage_not_written", events=len(rows), error=str(error))
            return 0
        return len(rows)

    def prune(self) -> int:
        removed = self.lineage.prune(self.clock() - self.retention)
        if removed:
            _log.info("lineage_pruned", events=removed, retention_days=self.retention.days)
        return removed

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="lineage", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Write what is still queued, then end the thread."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5.0)
        self.flush()

    def _run(self) -> None:
        while not self._stopping.wait(FLUSH_S):
            self.flush()
            if time.monotonic() - self._pruned_at >= PRUNE_EVERY_S:
                self._pruned_at = time.monotonic()
                try:
                    self.prune()
                except Exception as error:  # the next pass tries again
                    _log.warning("lineage_not_pruned", error=str(error))
