"""Serving a WSGI app on loopback in a thread (sandboxes, the all-in-one demo, tests)."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any

from waitress import wasyncore
from waitress.server import create_server


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
    server = create_server(
        app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True
    )
    thread = threading.Thread(target=server.run, name=f"wsgi-{server.effective_port}", daemon=True)
    thread.start()
    return RunningServer(server, thread)
