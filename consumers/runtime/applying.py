"""Applying several records at once in one consumer process: `broker.concurrency` threads
call the handlers while the worker's own thread keeps the broker consumer (a consumer and its
deliveries belong to one thread: every ack, publish and read stays on that thread).

A target API answers in tens to hundreds of milliseconds; one record at a time, a process
would spend nearly all its time waiting. Any free thread takes the next record, but messages
for one record (`record_key`) are applied one after the other, in the order they were received,
by the thread applying it: they never race, nor wait on each other's lease. When several
versions of a record wait behind the one being applied (a burst of saves), only the newest is
applied next; the others are skipped `superseded` (consumers.runtime.coalescing). Replicas in other
processes still meet at the record's lease (consumers.guard), which each thread holds under its
own owner name.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from connec_sync import logs
from connec_sync.broker import Delivery
from connec_sync.naming import Route
from consumers.outcomes import Handler
from consumers.runtime.coalescing import coalesce
from consumers.verdicts import Verdict, judge
from schemas.envelope import Envelope


@dataclass
class Job:
    """A decoded delivery on its way to a handler, and, once done, its verdict."""

    delivery: Delivery
    envelope: Envelope | None
    generation: int
    started: float = field(default_factory=time.monotonic)
    key: str = ""
    verdict: Verdict | None = None


def record_key(envelope: Envelope | None) -> str:
    """What identifies the message's record: entity, organization, and its source id (the
    Connec! entry of an id array, which stays put while other entries are added)."""
    if envelope is None:
        return "None|None|None"
    ids = envelope.record.get("id")
    if isinstance(ids, list):
        connec = [e for e in ids if isinstance(e, dict) and e.get("provider") == "connec"]
        ids = (connec or ids or [None])[0]
        ids = ids.get("id") if isinstance(ids, dict) else ids
    owner = envelope.group_id or envelope.account
    return f"{envelope.entity}|{owner}|{ids}"


class Applier:
    """`concurrency` handler threads; finished jobs come back through `finished` (call `start`
    and `finished` from the worker's thread only), and `done` is called (on the handler's
    thread) after each comes back, to wake the worker's thread.

    A job whose record has no job in progress goes to the shared queue, which any idle thread
    takes from; one whose record is in progress waits behind it, and the thread applying that
    record takes it next (so one record's messages keep their order and never race)."""

    def __init__(
        self,
        handlers: Mapping[Route, Handler],
        max_attempts: int,
        concurrency: int,
        judging: Callable[..., Verdict] = judge,
        done: Callable[[], None] = lambda: None,
    ) -> None:
        self.handlers, self.max_attempts, self._judge = dict(handlers), max_attempts, judging
        self._on_done = done
        self.concurrency = concurrency
        self._ready: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[Job] = queue.SimpleQueue()
        #: per record in progress, its jobs waiting behind the one being applied
        self._behind: dict[str, deque[Job]] = {}
        self._lock = threading.Lock()
        self.in_flight = 0
        self._waiting_behind = 0
        self._threads = [
            threading.Thread(target=self._serve, name=f"apply-{n}", daemon=True)
            for n in range(concurrency)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def has_room(self) -> bool:
        """Whether a thread is free (jobs waiting behind their record's do not count)."""
        with self._lock:
            return self.in_flight - self._waiting_behind < self.concurrency

    def start(self, job: Job) -> None:
        job.key = key = record_key(job.envelope)
        with self._lock:
            behind = self._behind.get(key)
            if behind is None:
                self._behind[key] = deque()
                self._ready.put(job)
            else:
                behind.append(job)
                self._waiting_behind += 1
            self.in_flight += 1

    def finished(self, wait_s: float = 0.0) -> list[Job]:
        """The jobs done since the last call; waits up to `wait_s` for the first one."""
        done: list[Job] = []
        try:
            done.append(self._done.get(timeout=wait_s) if wait_s > 0 else self._done.get_nowait())
            while True:
                done.append(self._done.get_nowait())
        except queue.Empty:
            pass
        with self._lock:
            self.in_flight -= len(done)
        return done

    def stop(self, timeout_s: float = 1.0) -> None:
        """End the threads once their work is done (threads still busy after `timeout_s` are
        left to the process's exit: they are daemons)."""
        for _ in self._threads:
            self._ready.put(None)
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _serve(self) -> None:
        while (job := self._ready.get()) is not None:
            while job is not None:
                self._apply(job)
                job = self._next_behind(job.key)

    def _next_behind(self, key: str) -> Job | None:
        """The record's next job: of the versions waiting for one route, the newest; the
        others are done as skipped `superseded` (consumers.runtime.coalescing)."""
        with self._lock:
            behind = self._behind[key]
            if not behind:
                del self._behind[key]
                return None
            job, superseded = coalesce(behind)
            self._waiting_behind -= 1 + len(superseded)
        for older in superseded:
            self._done.put(older)
        if superseded:
            self._on_done()
        return job

    def _apply(self, job: Job) -> None:
        route, envelope = job.delivery.route, job.envelope
        assert envelope is not None, "only a decoded envelope is applied"
        with logs.bound(
            message_id=job.delivery.message_id,
            entity=route.entity,
            direction=route.direction,
            group_id=envelope.group_id,
            attempts=envelope.attempts + 1,
        ):
            try:
                job.verdict = self._judge(self.handlers[route], envelope, self.max_attempts)
            finally:  # even when a BaseException ends the thread: the job is not lost
                self._done.put(job)
                self._on_done()
