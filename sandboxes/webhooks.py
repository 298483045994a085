"""The webhook sender both sandboxes use: buffer changes over a short window, POST them per
destination from a daemon thread, retry non-2xx answers on a fixed backoff schedule."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from sandboxes.faults import Faults

#: seconds changes are buffered before one POST per destination carries them all
DEFAULT_WINDOW_S = 0.2
#: seconds to wait for a receiver's answer
DEFAULT_TIMEOUT_S = 5.0
#: delivery attempts kept for inspection
MAX_LOGGED_ATTEMPTS = 10_000


class Destination(Protocol):
    """Where buffered items go and how they are framed and authenticated."""

    @property
    def key(self) -> Hashable: ...

    @property
    def url(self) -> str: ...

    def render(self, items: list[Any]) -> tuple[str, bytes]:
        """Frame buffered items as one body; returns (message id, body)."""

    def headers(self, message_id: str, body: bytes) -> dict[str, str]:
        """Headers for one attempt (called again on every retry)."""


@dataclass(order=True)
class _Scheduled:
    due: float
    order: int
    message: _Message = field(compare=False)


@dataclass
class _Message:
    destination: Destination
    message_id: str
    body: bytes
    attempt: int = 0


class WebhookSender:
    """Delivers from one daemon thread; `stop()` ends it (undelivered messages are dropped)."""

    def __init__(
        self,
        faults: Faults,
        *,
        retry_schedule_s: Sequence[float],
        window_s: float = DEFAULT_WINDOW_S,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        name: str = "webhooks",
    ) -> None:
        self.faults = faults
        self.retry_schedule_s = tuple(retry_schedule_s)
        self.window_s = window_s
        self.timeout_s = timeout_s
        self._cond = threading.Condition()
        self._buffers: dict[Hashable, tuple[Destination, list[Any]]] = {}
        self._window_ends = 0.0
        self._queue: list[_Scheduled] = []
        self._order = itertools.count()
        self._in_flight = 0
        self._attempts: deque[dict[str, Any]] = deque(maxlen=MAX_LOGGED_ATTEMPTS)
        self._stopped = False
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def enqueue(self, destination: Destination, item: Any) -> None:
        """Buffer one item; the window starts with the first item buffered."""
        with self._cond:
            if not self._buffers:
                self._window_ends = time.monotonic() + self.window_s
            self._buffers.setdefault(destination.key, (destination, []))[1].append(item)
            self._cond.notify()

    def attempts(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far: url, message id, attempt number, status or error."""
        with self._cond:
            return list(self._attempts)

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        """Wait until nothing is buffered, scheduled or being sent; False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._buffers or self._queue or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.02))
        return True

    def clear(self) -> None:
        """Forget buffered and scheduled messages and the attempt log."""
        with self._cond:
            self._buffers.clear()
            self._queue.clear()
            self._attempts.clear()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=self.timeout_s + 1)
        self._session.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                due = self._next_due()
                if self._stopped:
                    return
                self._in_flight = len(due)
            for message in due:
                self._attempt(message)
            with self._cond:
                self._in_flight = 0
                self._cond.notify_all()

    def _next_due(self) -> list[_Message]:
        """Wait (lock held) for due messages; turns an elapsed buffer window into messages."""
        while not self._stopped:
            now = time.monotonic()
            if self._buffers and now >= self._window_ends:
                self._frame_buffers(now)
            due = []
            while self._queue and self._queue[0].due <= now:
                due.append(heapq.heappop(self._queue).message)
            if due:
                return due
            wakes = [s.due for s in self._queue[:1]] + (
                [self._window_ends] if self._buffers else []
            )
            self._cond.wait(max(0.0, min(wakes) - now) if wakes else None)
        return []

    def _frame_buffers(self, now: float) -> None:
        for destination, items in self._buffers.values():
            message_id, body = destination.render(items)
            message = _Message(destination, message_id, body)
            self._schedule(message, now + self.faults.reorder_delay_s())
            if self.faults.duplicate_webhook():
                self._schedule(_Message(destination, message_id, body), now)
        self._buffers.clear()

    def _schedule(self, message: _Message, due: float) -> None:
        heapq.heappush(self._queue, _Scheduled(due, next(self._order), message))

    def _attempt(self, message: _Message) -> None:
        message.attempt += 1
        destination = message.destination
        outcome: dict[str, Any] = {"url": destination.url, "message_id": message.message_id}
        outcome["attempt"] = message.attempt
        try:
            headers = destination.headers(message.message_id, message.body)
            answer = self._session.post(
                destination.url, data=message.body, headers=headers, timeout=self.timeout_s
            )
            outcome["status"] = answer.status_code
            delivered = 200 <= answer.status_code < 300
        except requests.RequestException as error:
            outcome["error"] = type(error).__name__
            delivered = False
        self._settle(message, outcome, delivered)

    def _settle(self, message: _Message, outcome: dict[str, Any], delivered: bool) -> None:
        retries_left = message.attempt <= len(self.retry_schedule_s)
        outcome["outcome"] = (
            "delivered" if delivered else ("retrying" if retries_left else "gave_up")
        )
        with self._cond:
            self._attempts.append(outcome)
            if not delivered and retries_left and not self._stopped:
                delay = self.retry_schedule_s[message.attempt - 1]
                self._schedule(message, time.monotonic() + delay)
