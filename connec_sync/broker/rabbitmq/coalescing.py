"""A pika SelectConnection that hands a whole batch of publishes to its socket as one write, and
an IOLoop whose handlers run holding a lock, so that a publishing thread holding it may call the
connection itself instead of handing each batch to the IO thread.

pika buffers every AMQP frame as its own chunk and sends each chunk with its own `send()`: three
system calls per message (method, header, body), 150 for a 50-record request, which cost the
receiver more CPU than all its Python work on the records. Inside `coalesced()`, the frames are
held and written as one chunk at the end: the same bytes in the same order, a few system calls
per batch. That chunk is sent at once when nothing is queued before it (pika would register for
writability and send it on the IO loop's next turn: two more `epoll_ctl` calls and a wake-up of
the IO thread per batch); what the socket does not take, and any error, goes pika's own way.

pika is not thread-safe: every call into the connection holds the loop's `lock` (`LockedIOLoop`
holds it around the handlers of socket events, the callbacks and the timers).

This relies on internals of pika 1.x (`_output_marshaled_frames`, `_adapter_emit_data`, the
transport's `_sock` and `get_write_buffer_size`, the poller's `_dispatch_fd_events`);
`COALESCING` is False, and the connection behaves as a plain SelectConnection, if any is
missing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pika
from pika.adapters.select_connection import IOLoop
from pika.adapters.utils import io_services_utils

#: the transport whose socket a batch may be sent on directly (not TLS: its socket buffers)
_PLAINTEXT = getattr(io_services_utils, "_AsyncPlaintextTransport", None)

COALESCING = _PLAINTEXT is not None and all(
    callable(getattr(pika.SelectConnection, name, None))
    for name in ("_output_marshaled_frames", "_adapter_emit_data")
)


class CoalescingConnection(pika.SelectConnection):
    _held: list[bytes] | None = None

    @contextmanager
    def coalesced(self) -> Iterator[None]:
        """Hold the frames written inside the block; write them as one chunk when it ends
        (also when it raises: what was published so far is sent, as pika would have)."""
        if not COALESCING or self._held is not None:
            yield
            return
        self._held = []
        try:
            yield
        finally:
            held, self._held = self._held, None
            if held and self.is_open:
                self._emit(b"".join(held))

    def _emit(self, data: bytes) -> None:
        """Send `data` now if the socket takes it; else (or the rest) as pika would."""
        transport = self._transport
        if type(transport) is _PLAINTEXT and transport.get_write_buffer_size() == 0:
            # would block, or a broken socket: pika's own write finds out
            with contextlib.suppress(OSError):
                data = data[transport._sock.send(data) :]
        if data:
            self._adapter_emit_data(data)

    def _output_marshaled_frames(self, marshaled_frames: Sequence[bytes]) -> None:
        if self._held is None:
            super()._output_marshaled_frames(marshaled_frames)
            return
        for marshaled_frame in marshaled_frames:
            self.bytes_sent += len(marshaled_frame)
            self.frames_sent += 1
        self._held.extend(marshaled_frames)


class LockedIOLoop(IOLoop):
    """pika's IOLoop, running every socket handler, callback and timer holding `lock`: a thread
    holding it may call the connection (and nothing else may)."""

    def __init__(self, lock: threading.Lock) -> None:
        self.lock = lock
        super().__init__()
        poller: Any = self._poller
        poller._dispatch_fd_events = _holding(lock, poller._dispatch_fd_events)

    def process_timeouts(self) -> None:
        with self.lock:
            super().process_timeouts()


def _holding(lock: threading.Lock, handler: Callable[[Any], None]) -> Callable[[Any], None]:
    def locked(argument: Any) -> None:
        with lock:
            handler(argument)

    return locked
