"""The HTTP layer both sandboxes share: errors, JSON bodies, the request log and fault
middleware, the common control endpoints, and the in-process starter."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import falcon

from connec_sync.http_server import RunningServer, serve_in_thread
from sandboxes.clock import iso_micro, utc_now
from sandboxes.faults import Faults
from sandboxes.request_log import RequestLog
from sandboxes.webhooks import WebhookSender

#: path prefix of the control endpoints (never faulted, never authenticated)
CONTROL_PREFIX = "/_sandbox"
#: methods that write, hence may be answered by dropping the connection
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: request headers worth keeping in the request log
LOGGED_HEADERS = ("CONNEC-EXTERNAL-IDS", "IDEMPOTENCY-KEY", "CONTENT-TYPE")
#: WSGI environ key set when the connection is to be dropped after the answer is built
DROP_KEY = "sandbox.drop_connection"


S = TypeVar("S")


class SandboxError(Exception):
    """An API error answer; each sandbox renders it in its own body format."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers or {}


class Sandbox(Protocol):
    """What the shared HTTP layer needs from a sandbox's state object."""

    faults: Faults
    request_log: RequestLog
    sender: WebhookSender

    def reset(self) -> None: ...

    def close(self) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...


def read_json(req: falcon.Request) -> Any:
    """The parsed JSON body (also kept for the request log); 400 when malformed or empty."""
    raw = req.bounded_stream.read()
    if not raw.strip():
        raise SandboxError(400, "malformed", "the body is empty")
    try:
        body = json.loads(raw)
    except ValueError:
        raise SandboxError(400, "malformed", "the body is not valid JSON") from None
    req.context.body = body
    return body


def json_object(body: Any, what: str = "the body") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SandboxError(400, "malformed", f"{what} must be a JSON object")
    return body


class StateResource(Generic[S]):
    """A falcon resource over a sandbox's state object."""

    def __init__(self, state: S) -> None:
        self.state = state


class RequestLogMiddleware:
    """Records every API and control request with its status, body and any fault applied, and
    its answer, except the answer of a control read (`GET /_sandbox/...`): a read of the request
    log would otherwise hold the previous read's answer, which holds the one before, so every
    read carried the whole history, nested one level deeper each time."""

    def __init__(self, log: RequestLog) -> None:
        self.log = log

    def process_response(self, req: falcon.Request, resp: falcon.Response, *_: Any) -> None:
        headers = {h.lower(): req.get_header(h) for h in LOGGED_HEADERS if req.get_header(h)}
        control_read = req.method == "GET" and req.path.startswith(CONTROL_PREFIX)
        self.log.record(
            {
                "at": iso_micro(utc_now()),
                "method": req.method,
                "path": req.path,
                "query": req.query_string,
                "status": resp.status_code,
                "headers": headers,
                "body": getattr(req.context, "body", None),
                "answer": None if control_read else resp.media,
                "fault": getattr(req.context, "fault", None),
            }
        )


class FaultMiddleware:
    """Applies the fault knobs to API requests (control endpoints are never faulted)."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.path.startswith(CONTROL_PREFIX):
            return
        if latency := self.faults.latency_s():
            time.sleep(latency)
        if (retry_after := self.faults.retry_after()) is not None:
            req.context.fault = "throttled"
            headers = {"Retry-After": str(retry_after)}
            raise SandboxError(429, "rate_limited", "too many requests", headers=headers)
        if status := self.faults.error_status():
            req.context.fault = f"error_{status}"
            raise SandboxError(status, "unavailable", "injected failure")

    def process_response(self, req: falcon.Request, resp: falcon.Response, *_: Any) -> None:
        if req.method not in WRITE_METHODS or req.path.startswith(CONTROL_PREFIX):
            return
        if resp.status_code < 400 and self.faults.drop_after_write():
            req.context.fault = "dropped_after_write"
            req.env[DROP_KEY] = True  # done by DropConnections, once the request is logged


class DropConnections:
    """The app as served: after a write the fault knobs chose to drop (and once it is in the
    request log), the connection is shut without an answer."""

    def __init__(self, app: falcon.App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        body = self.app(environ, start_response)
        if environ.get(DROP_KEY):
            drop_connection(environ)
        return body


def drop_connection(environ: dict[str, Any]) -> None:
    """Shut the client's socket down so it sees the connection close with no answer."""
    disconnected = environ.get("waitress.client_disconnected")
    channel = getattr(disconnected, "__self__", None)
    sock = getattr(channel, "socket", None)
    if sock is None:
        raise RuntimeError("dropping a connection needs the waitress server")
    with contextlib.suppress(OSError):  # already gone: the client sees the same thing
        sock.shutdown(socket.SHUT_RDWR)


class ControlFaults:
    """GET the knobs, PUT some of them (plus `throttle_s`, `seed`), DELETE to reset them."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.faults.snapshot()

    def on_put(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            self.faults.set(**json_object(read_json(req)))
        except (TypeError, ValueError) as error:
            raise SandboxError(400, "invalid_knob", str(error)) from None
        resp.media = self.faults.snapshot()

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.faults.reset()
        resp.media = self.faults.snapshot()


class ControlCommon:
    """`/_sandbox/{what}`: state, requests, deliveries (GET), reset (POST)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def on_get(self, req: falcon.Request, resp: falcon.Response, what: str) -> None:
        views = {
            "state": self.sandbox.snapshot,
            "requests": self.sandbox.request_log.entries,
            "deliveries": self.sandbox.sender.attempts,
        }
        if what not in views:
            raise falcon.HTTPNotFound()
        if what == "requests" and req.get_param_as_bool("drain"):
            resp.media = self.sandbox.request_log.drain()  # read and clear in one step
            return
        resp.media = views[what]()

    def on_post(self, req: falcon.Request, resp: falcon.Response, what: str) -> None:
        if what == "reset":
            self.sandbox.reset()
        elif what == "flush":
            self.sandbox.sender.wait_idle()
        else:
            raise falcon.HTTPNotFound()
        resp.media = {"ok": True}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, what: str) -> None:
        if what != "requests":
            raise falcon.HTTPNotFound()
        self.sandbox.request_log.clear()
        resp.status = falcon.HTTP_204


def build_app(sandbox: Sandbox, render_error: Any) -> falcon.App:
    """A falcon app with the shared middleware, error rendering and control endpoints."""
    middleware: list[Any] = [
        RequestLogMiddleware(sandbox.request_log),
        FaultMiddleware(sandbox.faults),
    ]
    app = falcon.App(middleware=middleware)
    app.req_options.strip_url_path_trailing_slash = True

    def handle(req: falcon.Request, resp: falcon.Response, error: SandboxError, _: Any) -> None:
        resp.status = error.status
        resp.media = render_error(error)
        for name, value in error.headers.items():
            resp.set_header(name, value)

    app.add_error_handler(SandboxError, handle)
    app.add_route(f"{CONTROL_PREFIX}/faults", ControlFaults(sandbox.faults))
    app.add_route(f"{CONTROL_PREFIX}/{{what}}", ControlCommon(sandbox))
    return app


@dataclass
class SandboxHandle:
    """A sandbox served on loopback: `url`, the `state` object, and `stop()`."""

    state: Any
    server: RunningServer

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        stop_server(self.server)
        self.state.close()


def stop_server(running: RunningServer, timeout_s: float = 5.0) -> None:
    """Stop a server at once (kept for callers; RunningServer.stop does the work)."""
    running.stop(timeout_s)


def start_server(state: Sandbox, app: DropConnections, host: str, port: int) -> SandboxHandle:
    return SandboxHandle(state, serve_in_thread(app, host=host, port=port))
