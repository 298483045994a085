"""A scripted HTTP target: a tiny falcon app that records requests and answers from a script."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import falcon
import pytest

from connec_sync.clients.http import RateGate
from connec_sync.http_server import serve_in_thread
from sandboxes.web import stop_server


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: float


@dataclass
class ScriptedTarget:
    """Answers queued with `answer` are used in order; then 200 `{}`."""

    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    _script: deque = field(default_factory=deque)

    def answer(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay_s: float = 0,
    ) -> None:
        self._script.append((status, body, headers or {}, delay_s))

    def __call__(self, req: falcon.Request, resp: falcon.Response, **_: Any) -> None:
        raw = req.bounded_stream.read()
        body = json.loads(raw) if raw else None
        headers = {k.lower(): v for k, v in req.headers.items()}
        seen = Seen(req.method, req.path, dict(req.params), headers, body, time.monotonic())
        self.requests.append(seen)
        status, answer, extra, delay_s = (
            self._script.popleft() if self._script else (200, {}, {}, 0)
        )
        time.sleep(delay_s)
        resp.status = status
        if answer is not None:
            resp.text = answer if isinstance(answer, str) else json.dumps(answer)
            resp.content_type = "application/json"
        for name, value in extra.items():
            resp.set_header(name, value)


@pytest.fixture
def target() -> Iterator[ScriptedTarget]:
    scripted = ScriptedTarget()
    app = falcon.App()
    app.add_sink(scripted, prefix="/")
    server = serve_in_thread(app)
    scripted.url = server.url
    yield scripted
    stop_server(server)


@pytest.fixture
def gate() -> RateGate:
    return RateGate()


@pytest.fixture
def closing(target: ScriptedTarget) -> Iterator[Callable[[Any], Any]]:
    """Registers clients to close before the target stops (an open keep-alive holds it for 5 s)."""
    clients: list[Any] = []

    def register(client: Any) -> Any:
        clients.append(client)
        return client

    yield register
    for client in clients:
        client.close()
