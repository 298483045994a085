"""Private nodes take their ports below the ephemeral range, and never a port in use."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import pytest

from tests import private_broker
from tests.private_broker import PRIVATE_PORTS, free_port


def test_a_private_port_is_below_the_ephemeral_range_that_client_sockets_draw_from() -> None:
    limits = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    low = int(limits[0])
    ports = {free_port() for _ in range(50)}
    assert all(port in PRIVATE_PORTS and port < low for port in ports)
    assert len(ports) > 40  # drawn at random: concurrent test processes rarely meet


def test_a_port_something_listens_on_is_never_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with contextlib.closing(socket.socket()) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setattr(private_broker, "PRIVATE_PORTS", range(port, port + 2))
        handed = {free_port() for _ in range(20)}
    assert handed == {port + 1}
