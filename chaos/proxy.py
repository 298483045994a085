"""A TCP fault proxy standing in for toxiproxy: pass, refuse, reset, black hole, latency.

It serves from its own thread and event loop; `set_mode` may be called from any thread and
applies to the connections already open as well as to new ones:

- `pass`: bytes flow both ways.
- `refuse`: the listener is closed (connects are refused) and open connections are reset.
- `reset`: open connections are reset (RST) and new ones are accepted, then reset.
- `blackhole`: connections stay open but nothing flows (bytes are read and dropped): the peer
  only notices through its own timeouts or heartbeats.
- `latency`: every chunk waits `latency_s` before it is forwarded.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field

MODES = ("pass", "refuse", "reset", "blackhole", "latency")
#: bytes read per chunk
CHUNK = 65536


@dataclass(eq=False)
class _Link:
    """One client connection and its upstream twin."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def _reset(writer: asyncio.StreamWriter | None) -> None:
    """Close with RST (SO_LINGER 0), as a crashed peer or a firewall would."""
    if writer is None:
        return
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    """Listens on 127.0.0.1:`port` (0: any free port) and forwards to `target`."""

    def __init__(self, target_host: str, target_port: int, port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.port = port
        self.mode, self.latency_s = "pass", 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="proxy")
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()

    def start(self) -> FaultProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def set_mode(self, mode: str, latency_s: float = 0.0) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r}; one of {MODES}")
        self._call(self._switch(mode, latency_s))

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)  # type: ignore[arg-type]

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, "127.0.0.1", self.port, reuse_address=True
            )
            self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for link in list(self._links):
            _reset(link.client)
            _reset(link.upstream)
        self._links.clear()

    async def _switch(self, mode: str, latency_s: float) -> None:
        self.mode, self.latency_s = mode, latency_s
        if mode in ("refuse", "reset"):
            for link in list(self._links):
                _reset(link.client)
                _reset(link.upstream)
            self._links.clear()
        if mode == "refuse" and self._server is not None:
            self._server.close()
            self._server = None
        elif mode != "refuse":
            await self._listen()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode in ("reset", "refuse"):
            _reset(writer)
            return
        link = _Link(writer)
        self._links.add(link)
        try:
            up_reader, link.upstream = await asyncio.open_connection(*self.target)
        except OSError:
            self._links.discard(link)
            _reset(writer)
            return
        link.tasks = [
            asyncio.create_task(self._pipe(reader, link.upstream, link)),
            asyncio.create_task(self._pipe(up_reader, writer, link)),
        ]

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link
    ) -> None:
        try:
            while data := await reader.read(CHUNK):
                if self.mode == "blackhole":
                    continue
                if self.mode == "latency" and self.latency_s:
                    await asyncio.sleep(self.latency_s)
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            self._links.discard(link)
            for side in (link.client, link.upstream):
                with contextlib.suppress(OSError, RuntimeError, AttributeError):
                    side.close()  # type: ignore[union-attr]
