"""Keep-alive HTTP/1.1 connections per origin, on the standard library's `http.client`, for
connec_sync.clients.direct_sending.

A request sent on urllib3's pool (its `urlopen`) costs about 140 µs of client CPU here, the same
on `http.client` alone about 70 (`make bench`, bench/shortcuts.py): the pool's retry object,
its header and URL checks and its response wrapper are work these APIs do not need. Here each
origin keeps its idle connections (up to the session adapter's pool size, the most recently
used first), a connection the server closed meanwhile is replaced before it is used (as
urllib3 checks), and TLS is set as requests sets it for the session's `verify`.
"""

from __future__ import annotations

import http.client
import os
import ssl
import threading
from typing import Any

from urllib3.util.wait import wait_for_read

#: the protocols urllib3 accepts at least (its default context)
_MINIMUM_TLS = ssl.TLSVersion.TLSv1_2


class Origin:
    """The idle connections to one `scheme://host:port` (any thread may take and give)."""

    def __init__(self, scheme: str, host: str, port: int, verify: Any, size: int) -> None:
        self.scheme, self.host, self.port, self.size = scheme, host, port, size
        self._context = tls_context(verify) if scheme == "https" else None
        #: TLS without verification: each request warns, as urllib3 warns
        self.unverified = scheme == "https" and verify is False
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    @property
    def pool_name(self) -> str:
        """The origin as urllib3 names its pool in its errors."""
        kind = "HTTPSConnectionPool" if self.scheme == "https" else "HTTPConnectionPool"
        return f"{kind}(host={self.host!r}, port={self.port})"

    def take(self, timeout_s: float) -> http.client.HTTPConnection:
        """An idle connection still open, or a new one (not connected yet)."""
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return self._new(timeout_s)
            if connection.sock is not None and not wait_for_read(connection.sock, timeout=0.0):
                connection.timeout = timeout_s
                connection.sock.settimeout(timeout_s)
                return connection
            connection.close()  # closed by the server (or it sent what nobody asked for)

    def give(self, connection: http.client.HTTPConnection) -> None:
        """Keep a connection whose answer was read whole, for the next request."""
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _new(self, timeout_s: float) -> http.client.HTTPConnection:
        if self._context is None:
            return http.client.HTTPConnection(self.host, self.port, timeout=timeout_s)
        return http.client.HTTPSConnection(
            self.host, self.port, timeout=timeout_s, context=self._context
        )


def tls_context(verify: Any) -> ssl.SSLContext:
    """The context requests' adapter gives urllib3 for `verify`: True, the CA bundle requests
    uses (certifi's); a file or a folder of CA certificates; False, no verification."""
    if verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        if verify is True:
            from requests.utils import DEFAULT_CA_BUNDLE_PATH

            verify = DEFAULT_CA_BUNDLE_PATH
        folder = os.path.isdir(verify)
        context = ssl.create_default_context(
            cafile=None if folder else verify, capath=verify if folder else None
        )
    context.minimum_version = _MINIMUM_TLS
    return context
