"""Link-backs: telling Connec! the partner id of a record we created from it, durably, after
the ack, in batches.

The handler stores the PUT body in the record's id map row (`pending_link_back`) in the commit
that records the applied version, so the message is acked without waiting for Connec!. A
sender in each consumer process (a thread started by the worker, `LinkBackSender.start`) claims
due rows every FLUSH_INTERVAL_S, sends them with `POST /batch` (at most MAX_BATCH_OPS PUTs per
call, one call per tenant and group) and clears each body Connec! accepted. A failure keeps the
body, with a backoff; a 4xx (404: the record is gone from Connec!) clears it and keeps the error
on the link (`last_error`, shown by `connec-sync status`). Any process sends any pending row, so
rows a crashed process left are sent by the next pass of any sender (each starts with one).

Until Connec! has our id, a notification of the record finds the link by its Connec! id, and
the id map's partner id makes it a PATCH, never a second create (docs/consumers-pipeline.md).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any
from urllib.parse import quote

from connec_sync import logs
from connec_sync.clients.connec import MAX_BATCH_OPS, BatchResult
from connec_sync.clients.errors import TargetError
from connec_sync.store import PendingLinkBack
from connec_sync.store.clock import utcnow

#: seconds between two passes of a process's sender
FLUSH_INTERVAL_S = 0.15
#: rows claimed per pass
CLAIM_LIMIT = 200
#: a claim outlives the slowest batch call by this much (then another sender may send the row)
CLAIM_MARGIN_S = 10.0
#: backoff after a failed try: FIRST_BACKOFF_S doubled per try, at most MAX_BACKOFF_S
FIRST_BACKOFF_S, MAX_BACKOFF_S = 1.0, 300.0
#: seconds the worker's stop waits for the sender's last pass
STOP_WAIT_S = 2.0

_log = logs.get_logger("consumers")


def pending_link_back(body: dict[str, Any]) -> dict[str, Any]:
    """The id map changes that make `body` (`{collection: {...}}`) the link-back to send next."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return {"pending_link_back": text, "link_back_due": None, "link_back_tries": 0}


class LinkBackSender:
    """Sends the store's pending link-backs; `flush()` once, or `start()` a thread that does it
    every FLUSH_INTERVAL_S until `stop()`."""

    def __init__(
        self,
        pending: Any,
        connec_for: Callable[[str], Any],
        timeout_s: float,
        clock: Callable[[], datetime] = utcnow,
        lineage: Any = None,
    ) -> None:
        self.pending, self.connec_for, self.clock = pending, connec_for, clock
        #: told of each answered link-back (consumers.lineage.LineageRecorder), when given
        self.lineage = lineage
        self.claim_s = timeout_s + CLAIM_MARGIN_S
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def flush(self) -> int:
        """Send what is due now; returns how many link-backs Connec! accepted."""
        claimed = self.pending.claim_due(self.clock() + timedelta(seconds=self.claim_s))
        accepted = 0
        by_group = sorted(claimed, key=_group_of)
        for (tenant, group), rows in groupby(by_group, key=_group_of):
            for chunk in _chunks(list(rows), MAX_BATCH_OPS):
                accepted += self._send(tenant, group, chunk)
        return accepted

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="link-backs", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread after its current pass (what is left stays pending, durably)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(STOP_WAIT_S)

    def _run(self) -> None:
        while True:
            try:
                self.flush()
            except Exception as error:  # the store is unreachable: the rows stay pending
                _log.warning("link_backs_not_sent", error=str(error))
            if self._stopping.wait(FLUSH_INTERVAL_S):
                return

    def _send(self, tenant: str, group: str, rows: list[PendingLinkBack]) -> int:
        ops = [_op(row) for row in rows]
        try:
            results = self.connec_for(tenant).batch(ops, group=group)
        except TargetError as error:
            for row in rows:
                self._postpone(row, str(error))
            return 0
        accepted = []
        for index, row in enumerate(rows):
            result = results[index] if index < len(results) else None
            if result is not None and result.ok:
                accepted.append((row.link_id, row.body))
            else:
                self._failed(row, result)
        self.pending.sent(accepted)
        if self.lineage is not None:
            done = {link_id for link_id, _ in accepted}
            for row in (row for row in rows if row.link_id in done):
                self.lineage.linked_back(row.entity, row.connec_id, "accepted", None)
        return len(accepted)

    def _failed(self, row: PendingLinkBack, result: BatchResult | None) -> None:
        if result is not None and 400 <= result.status < 500 and result.status != 429:
            error = f"link-back refused by Connec!: {result.status} {_text(result.body)}"
            if result.status == 404:
                error = f"connec record {row.connec_id} not found: deleted in Connec!?"
            self.pending.refused(row.link_id, row.body, error)
            if self.lineage is not None:
                self.lineage.linked_back(row.entity, row.connec_id, "refused", error)
            _log.error("link_back_refused", link_id=row.link_id, entity=row.entity, error=error)
            return
        status = "no answer" if result is None else result.status
        self._postpone(row, f"{status}: {_text(None if result is None else result.body)}")

    def _postpone(self, row: PendingLinkBack, error: str) -> None:
        delay = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2**row.tries)
        due = self.clock() + timedelta(seconds=delay)
        self.pending.postpone(row.link_id, row.body, due, row.tries + 1)
        _log.warning(
            "link_back_postponed",
            link_id=row.link_id,
            entity=row.entity,
            tries=row.tries + 1,
            retry_in_s=delay,
            error=error,
        )


def _group_of(row: PendingLinkBack) -> tuple[str, str]:
    return row.tenant, row.group_id


def _op(row: PendingLinkBack) -> dict[str, Any]:
    url = f"/api/v2/{quote(row.group_id, safe='')}/{row.entity}/{quote(row.connec_id, safe='')}"
    return {"method": "put", "url": url, "params": json.loads(row.body)}


def _chunks(rows: list[PendingLinkBack], size: int) -> Iterator[list[PendingLinkBack]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _text(body: Any) -> str:
    return (body if isinstance(body, str) else json.dumps(body, default=str))[:500]
