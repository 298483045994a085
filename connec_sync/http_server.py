"""Serving a WSGI app on loopback in a thread (sandboxes, the all-in-one demo, tests), and one
app per port for a server bound to several (the receiver under gunicorn, which imports no
waitress: it is imported where a server is started here)."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class RunningServer:
    """A WSGI server serving from a daemon thread; `url` has the port actually bound."""

    server: Any
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    @property
    def url(self) -> str:
        return f"http://{self.server.effective_host}:{self.port}"

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop at once: waitress's own loop thread closes every socket (an open keep-alive
        connection would otherwise hold the loop for seconds), then its worker threads end."""
        from waitress import wasyncore

        server = self.server
        with contextlib.suppress(OSError):  # the trigger is already closed: stopped before
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map, ignore_all=True))
        self.thread.join(timeout_s)
        server.task_dispatcher.shutdown(timeout=timeout_s)
        server.close()


def serve_in_thread(
    app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 8
) -> RunningServer:
    """Start serving `app`; port 0 picks a free ephemeral port."""
    from waitress.server import create_server

    server = create_server(
        app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True
    )
    thread = threading.Thread(target=server.run, name=f"wsgi-{server.effective_port}", daemon=True)
    thread.start()
    return RunningServer(server, thread)


class PortDispatch:
    """One WSGI app per listening port, for a server bound to several (gunicorn): the port is
    the listener's own (SERVER_PORT of a TCP socket), never taken from the request's headers."""

    def __init__(self, default: Any, by_port: dict[int, Any]) -> None:
        self._default = default
        self._by_port = {str(port): app for port, app in by_port.items()}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        app = self._by_port.get(str(environ.get("SERVER_PORT")), self._default)
        return app(environ, start_response)
