"""The publisher's connection (coalescing.py): a batch written to the socket at once when nothing
is queued before it, the rest pika's way; the IO loop's handlers run holding the lock that a
publishing thread takes."""

from __future__ import annotations

import socket
import threading
from collections import deque

from connec_sync.broker.rabbitmq.coalescing import (
    _PLAINTEXT,
    CoalescingConnection,
    LockedIOLoop,
)


class Socket:
    def __init__(self, takes: int | None = None, error: OSError | None = None) -> None:
        self.sent: list[bytes] = []
        self._takes, self._error = takes, error

    def send(self, data: bytes) -> int:
        if self._error is not None:
            raise self._error
        self.sent.append(data)
        return len(data) if self._takes is None else min(self._takes, len(data))


def connection_on(sock: Socket, queued: bytes = b"") -> tuple[CoalescingConnection, list[bytes]]:
    """A connection whose plaintext transport has `sock` and `queued` bytes not yet sent; what
    goes pika's own way (buffered, sent when the socket is writable) is listed."""
    transport = _PLAINTEXT.__new__(_PLAINTEXT)
    transport._sock = sock
    transport._tx_buffers = deque([queued] if queued else [])
    transport._tx_buffered_byte_count = len(queued)
    connection = CoalescingConnection.__new__(CoalescingConnection)
    connection._transport = transport
    buffered: list[bytes] = []
    connection._adapter_emit_data = buffered.append  # type: ignore[method-assign]
    return connection, buffered


def test_a_batch_goes_to_the_socket_at_once_and_what_it_does_not_take_goes_pikas_way() -> None:
    whole = Socket()
    connection, buffered = connection_on(whole)
    connection._emit(b"0123456789")
    assert whole.sent == [b"0123456789"] and buffered == []

    partial = Socket(takes=4)
    connection, buffered = connection_on(partial)
    connection._emit(b"0123456789")
    assert partial.sent == [b"0123456789"] and buffered == [b"456789"]


def test_a_batch_waits_behind_queued_bytes_and_a_failing_socket_is_left_to_pika() -> None:
    behind = Socket()
    connection, buffered = connection_on(behind, queued=b"earlier")
    connection._emit(b"batch")
    assert behind.sent == [] and buffered == [b"batch"]  # never ahead of what pika holds

    for error in (BlockingIOError(), ConnectionResetError()):
        connection, buffered = connection_on(Socket(error=error))
        connection._emit(b"batch")
        assert buffered == [b"batch"]  # pika sends it later, or finds the socket broken


def test_the_loops_socket_handlers_and_callbacks_run_holding_its_lock() -> None:
    lock = threading.Lock()
    loop = LockedIOLoop(lock)
    held: list[str] = []
    reader, writer = socket.socketpair()

    def on_readable(_fd: int, _events: int) -> None:
        held.append(f"handler {lock.locked()}")
        reader.recv(16)
        loop.stop()

    loop.add_handler(reader.fileno(), on_readable, loop.READ)
    loop.add_callback_threadsafe(lambda: held.append(f"callback {lock.locked()}"))
    writer.send(b"x")
    loop.start()
    loop.close()
    reader.close()
    writer.close()
    assert sorted(held) == ["callback True", "handler True"]
    assert not lock.locked()
