"""Registering a node name with an Erlang port mapper (epmd) at a port of our choosing, so the
nodes that ask that port mapper reach the node through a fault proxy (chaos/proxy.py).

epmd's ALIVE2_REQ: the name stays registered while the registering socket stays open."""

from __future__ import annotations

import contextlib
import socket
import struct

ALIVE2_REQ, ALIVE2_RESP, ALIVE2_X_RESP = 120, 121, 118
#: a normal (not hidden) node over TCP, distribution protocol versions 5 to 6
NORMAL_NODE, TCP, HIGHEST, LOWEST = 77, 0, 6, 5


class Registration:
    """`name` (the part before @) at `port` in the port mapper on 127.0.0.1:`epmd_port`."""

    def __init__(self, epmd_port: int, name: str, port: int) -> None:
        self._socket = socket.create_connection(("127.0.0.1", epmd_port), timeout=5)
        alive = name.split("@", 1)[0].encode()
        body = struct.pack(
            ">BHBBHHH", ALIVE2_REQ, port, NORMAL_NODE, TCP, HIGHEST, LOWEST, len(alive)
        )
        body += alive + struct.pack(">H", 0)
        self._socket.sendall(struct.pack(">H", len(body)) + body)
        answer = self._socket.recv(16)
        if len(answer) < 2 or answer[0] not in (ALIVE2_RESP, ALIVE2_X_RESP) or answer[1] != 0:
            self.close()
            raise RuntimeError(f"epmd at {epmd_port} refused to register {name}: {answer!r}")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.close()
