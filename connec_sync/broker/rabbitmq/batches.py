"""What a publishing thread waits on: the broker's confirms of one batch (connec_sync.broker.
rabbitmq.confirms completes it on its IO thread)."""

from __future__ import annotations

import threading

from connec_sync.broker.errors import PublishFailed


class Batch:
    """The confirms one publish_batch call waits for; completed on the IO thread.

    One waiter (the publishing thread) and one completer (the IO thread): a lock held until the
    batch is done is all the signalling needed, and cheaper than an Event's Condition."""

    def __init__(self, size: int) -> None:
        self.outstanding = size
        self.error: PublishFailed | None = None
        self.is_done = False
        self._unfinished = threading.Lock()
        self._unfinished.acquire()

    def wait(self, timeout_s: float) -> bool:
        """Whether the batch is done (confirmed or failed) within `timeout_s`."""
        return self._unfinished.acquire(timeout=timeout_s) or self.is_done

    def confirmed(self) -> None:
        self.outstanding -= 1
        if self.outstanding <= 0:
            self._finish()

    def fail(self, reason: str, detail: str = "") -> None:
        if self.error is None and not self.is_done:
            self.error = PublishFailed(reason, detail)
        self._finish()

    def _finish(self) -> None:
        if not self.is_done:
            self.is_done = True
            self._unfinished.release()
