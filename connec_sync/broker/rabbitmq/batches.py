"""What a publishing thread waits on: the broker's confirms of one batch (connec_sync.broker.
rabbitmq.confirms completes it on its IO thread)."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from connec_sync.broker.errors import PublishFailed
from connec_sync.broker.messages import Message


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


class InFlight:
    """The messages published on the current channel and not yet confirmed, by delivery tag,
    and those a lost connection left unconfirmed, held to be published again on the next one.
    Used on the IO thread only."""

    def __init__(self) -> None:
        self._pending: dict[int, tuple[Batch, Message]] = {}
        self._held: list[tuple[Batch, Message]] = []
        self._by_message_id: dict[str | None, Batch] = {}
        self._next_tag = 0
        self._first_open_tag = 1  # the lowest delivery tag no `multiple` confirm covered yet

    def new_channel(self) -> None:
        """Delivery tags start again at 1 on a new channel."""
        self._next_tag, self._first_open_tag = 0, 1

    def add(self, batch: Batch, message: Message) -> None:
        self._next_tag += 1
        self._pending[self._next_tag] = (batch, message)
        self._by_message_id[message.message_id] = batch

    def batch_of(self, message_id: str | None) -> Batch | None:
        return self._by_message_id.get(message_id)

    def settle(self, tag: int, multiple: bool) -> list[Batch]:
        """The batches of the messages a confirm covers (one entry per message)."""
        settled = []
        for each in self._settled_tags(tag, multiple):
            entry = self._pending.pop(each, None)
            if entry is not None:
                self._by_message_id.pop(entry[1].message_id, None)
                settled.append(entry[0])
        return settled

    def _settled_tags(self, tag: int, multiple: bool) -> Iterable[int]:
        """The tags a confirm covers. Tags rise by one per publish, so a `multiple` confirm covers
        those from the lowest not yet covered by one; scanning every pending tag on each confirm
        instead would cost O(messages in flight) per confirm."""
        if not multiple:
            return (tag,)
        first, self._first_open_tag = self._first_open_tag, max(self._first_open_tag, tag + 1)
        if tag + 1 - first > len(self._pending):  # a long run of single confirms came before
            return [t for t in self._pending if t <= tag]
        return range(first, tag + 1)

    def hold(self) -> None:
        """The connection is lost: keep the unconfirmed messages, in publishing order."""
        self._held.extend(self._pending[tag] for tag in sorted(self._pending))
        self._pending.clear()
        self._by_message_id.clear()

    def hold_new(self, batch: Batch, messages: list[Message]) -> None:
        """Messages that could not be published yet: with the held ones, for the next link."""
        self._held.extend((batch, message) for message in messages)

    def take_held(self) -> list[tuple[Batch, list[Message]]]:
        """The held messages of batches still waiting (one past its timeout already failed),
        grouped by batch in publishing order; none is held afterwards."""
        held, self._held = self._held, []
        by_batch: dict[int, tuple[Batch, list[Message]]] = {}
        for batch, message in held:
            if not batch.is_done:
                by_batch.setdefault(id(batch), (batch, []))[1].append(message)
        return list(by_batch.values())

    def fail_all(self, reason: str, detail: str) -> None:
        for batch, _message in [*self._held, *self._pending.values()]:
            batch.fail(reason, detail)
        self._held.clear()
        self._pending.clear()
        self._by_message_id.clear()
