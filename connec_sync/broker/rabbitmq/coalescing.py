"""A pika SelectConnection that hands a whole batch of publishes to its socket as one write.

pika buffers every AMQP frame as its own chunk and sends each chunk with its own `send()`: three
system calls per message (method, header, body), 150 for a 50-record request, which cost the
receiver more CPU than all its Python work on the records. Inside `coalesced()`, the frames are
held and written as one chunk at the end: the same bytes in the same order, a few system calls
per batch. Only the IO thread calls it, like every other pika call here.

This relies on two internals of pika 1.x (`_output_marshaled_frames`, `_adapter_emit_data`);
`COALESCING` is False, and the connection behaves as a plain SelectConnection, if either is
missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pika

COALESCING = all(
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
                self._adapter_emit_data(b"".join(held))

    def _output_marshaled_frames(self, marshaled_frames: Sequence[bytes]) -> None:
        if self._held is None:
            super()._output_marshaled_frames(marshaled_frames)
            return
        for marshaled_frame in marshaled_frames:
            self.bytes_sent += len(marshaled_frame)
            self.frames_sent += 1
        self._held.extend(marshaled_frames)
