"""The Connec! sandbox: `ConnecSandbox` (the state), `build_app` (its falcon app) and `start`
(served on loopback in a thread)."""

from __future__ import annotations

from typing import Any

from sandboxes.connec.api import BatchResource, CollectionResource, RecordResource, render_error
from sandboxes.connec.control import add_control_routes
from sandboxes.connec.notifications import CONNEC_RETRY_SCHEDULE_S
from sandboxes.connec.sandbox import OTHER_APP, ConnecSandbox
from sandboxes.web import DropConnections, SandboxHandle, start_server
from sandboxes.web import build_app as build_base_app

__all__ = ["CONNEC_RETRY_SCHEDULE_S", "OTHER_APP", "ConnecSandbox", "build_app", "start"]


def build_app(state: ConnecSandbox) -> DropConnections:
    app = build_base_app(state, render_error)
    app.add_route("/api/v2/{group_id}/{collection}", CollectionResource(state))
    app.add_route("/api/v2/{group_id}/{collection}/{record_id}", RecordResource(state))
    app.add_route("/batch", BatchResource(state))
    add_control_routes(app, state)
    return DropConnections(app)


def start(
    state: ConnecSandbox | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    **options: Any,
) -> SandboxHandle:
    """Serve a Connec! sandbox (a new one from `options` unless `state` is given); port 0 picks
    a free port. `handle.url` is the host root: the API is `{url}/api/v2`, batch `{url}/batch`."""
    state = state or ConnecSandbox(**options)
    return start_server(state, build_app(state), host, port)
