"""Factories for tests of any tier: sandboxes tuned for speed, a fake webhook receiver, and
HTTP sessions already authenticated against each sandbox."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon
import requests

from connec_sync.http_server import RunningServer, serve_in_thread
from sandboxes import connec, partner
from sandboxes.web import SandboxHandle, stop_server

#: short buffer window and retry schedule so webhook tests take milliseconds
TEST_WINDOW_S = 0.05
TEST_RETRY_SCHEDULE_S = (0.05, 0.1, 0.2)
#: the tenant, group, channel, account and credentials the factories set up
TENANT, GROUP_ID, ACCOUNT = "default", "cld-test", "acct-test"
API_ID, API_KEY = "app-id", "app-key"
API_TOKEN = "partner-token"  # noqa: S105 (a test token)
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"sandbox-test-secret-32-bytes-long").decode()


def start_connec(**options: Any) -> SandboxHandle:
    """A Connec! sandbox with tenant `default` (app-id/app-key) and group `cld-test`."""
    options.setdefault("tenants", {TENANT: (API_ID, API_KEY)})
    options.setdefault("window_s", TEST_WINDOW_S)
    options.setdefault("retry_schedule_s", TEST_RETRY_SCHEDULE_S)
    handle = connec.start(**options)
    handle.state.add_group(GROUP_ID, TENANT)
    return handle


def start_partner(**options: Any) -> SandboxHandle:
    """A partner sandbox with token `partner-token` and account `acct-test`."""
    options.setdefault("tokens", (API_TOKEN,))
    options.setdefault("accounts", (ACCOUNT,))
    options.setdefault("window_s", TEST_WINDOW_S)
    options.setdefault("retry_schedule_s", TEST_RETRY_SCHEDULE_S)
    return partner.start(**options)


def connec_session(api_id: str = API_ID, api_key: str = API_KEY) -> requests.Session:
    session = requests.Session()
    session.auth = (api_id, api_key)
    session.headers.update({"CONNEC-EXTERNAL-IDS": "true", "Accept": "application/json"})
    return session


def partner_session(token: str = API_TOKEN) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body)


class FakeReceiver:
    """Records every request it gets; answers 200 unless told otherwise with `answer_with`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[ReceivedRequest] = []
        self._answers: deque[int] = deque()
        self.default_status = 200
        app = falcon.App()
        app.add_sink(self._sink, "/")
        self.server: RunningServer = serve_in_thread(app)

    @property
    def url(self) -> str:
        return self.server.url

    def answer_with(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, in order, then the default."""
        with self._lock:
            self._answers.extend(statuses)

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    def wait_for(self, count: int, timeout_s: float = 5.0) -> list[ReceivedRequest]:
        """The requests once there are at least `count` (fails the test after `timeout_s`)."""
        assert wait_until(lambda: len(self._requests) >= count, timeout_s), (
            f"expected {count} requests, got {len(self._requests)}"
        )
        return self.requests

    def stop(self) -> None:
        stop_server(self.server)

    def _sink(self, req: falcon.Request, resp: falcon.Response, **_: Any) -> None:
        body = req.bounded_stream.read()
        headers = {name.lower(): value for name, value in req.headers.items()}
        with self._lock:
            self._requests.append(ReceivedRequest(req.method, req.path, headers, body))
            resp.status = self._answers.popleft() if self._answers else self.default_status
        resp.media = {"ok": resp.status_code < 300}


def wait_until(
    predicate: Callable[[], bool], timeout_s: float = 5.0, every_s: float = 0.01
) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every_s)
    return predicate()


class FakeClock:
    """A clock a test moves by hand: `clock.advance(hours=25)`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
