"""The receiver under gunicorn: several worker processes, each with its own publisher and store,
built after the fork; graceful stop on SIGTERM; metrics summed across workers.

Why gunicorn: a pre-fork server gives one Python interpreter (and GIL) per core, restarts a
crashed worker, and on SIGTERM stops accepting, lets in-flight requests finish within
`graceful_timeout`, then exits. `gthread` workers keep a few requests per worker in flight
while they wait for the broker's confirms. The arbiter's signal handlers only queue the signal;
its own loop does the work and calls our hooks (none of them runs in a signal handler). A
second SIGTERM while stopping asks for the quick shutdown, as SIGINT does (`_Arbiter`).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from connec_sync import logs
from connec_sync.settings import Settings

#: threads per worker: requests waiting for confirms do not hold the CPU
THREADS_PER_WORKER = 8
#: seconds in-flight requests get after SIGTERM (the whole stop must take under 10 s)
GRACEFUL_TIMEOUT_S = 8
#: a worker silent this long is restarted (more than the longest confirm wait)
WORKER_TIMEOUT_S = 30

#: builds (wsgi app, things to close at worker exit) inside a worker
AppFactory = Callable[[Settings], tuple[Any, list[Any]]]


class ReceiverServer(BaseApplication):
    def __init__(
        self,
        settings: Settings,
        factory: AppFactory,
        *,
        host: str,
        port: int,
        workers: int,
        on_starting: Callable[[], None] = lambda: None,
    ) -> None:
        self._settings = settings
        self._factory = factory
        self._options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": THREADS_PER_WORKER,
            "graceful_timeout": GRACEFUL_TIMEOUT_S,
            "timeout": WORKER_TIMEOUT_S,
            "keepalive": 5,
            "accesslog": None,
            "worker_exit": self._on_worker_exit,
            "child_exit": _on_child_exit,
            # in the master, just before the arbiter installs its signal handlers
            "on_starting": lambda _arbiter: on_starting(),
        }
        self._closables: list[Any] = []
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        if (
            "control_socket_disable" in self.cfg.settings
        ):  # gunicorn >= 24: no shared ~/.gunicorn socket
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Any:
        """Runs in each worker after the fork: its own broker connection and store engine."""
        app, self._closables = self._factory(self._settings)
        # What the worker built at start lives as long as it does: keep it out of the garbage
        # collector's full passes (~85k objects, 300-500 ms each under load: p99 spikes).
        gc.freeze()
        logs.get_logger(__name__).info("receiver_worker_started")
        return app

    def run(self) -> None:
        """As BaseApplication.run, with the arbiter below."""
        try:
            _Arbiter(self).run()
        except RuntimeError as error:
            print(f"\nError: {error}\n", file=sys.stderr)
            sys.exit(1)

    def _on_worker_exit(self, _server: Any, _worker: Any) -> None:
        for closable in self._closables:
            closable.close()


class _Arbiter(Arbiter):
    """gunicorn's arbiter, where a second SIGTERM while stopping asks for the quick shutdown
    (as SIGINT does: workers get SIGQUIT, 2 s), so that being told twice ends the stop at
    once, as in every other long-running command."""

    _terminating = False

    def handle_term(self) -> None:  # the main loop's handling of the first SIGTERM
        self._terminating = True
        super().handle_term()

    def signal(self, sig: int, frame: Any) -> None:  # the signal handler: it only queues
        if sig == signal.SIGTERM and self._terminating:
            sig = signal.SIGQUIT
        super().signal(sig, frame)


def _on_child_exit(_server: Any, worker: Any) -> None:
    """Drop a dead worker's live-gauge files (counters and histograms are kept, as they must)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
