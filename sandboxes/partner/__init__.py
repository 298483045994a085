"""The reference partner app sandbox: `PartnerSandbox` (the state), `build_app` (its falcon
app) and `start` (served on loopback in a thread)."""

from __future__ import annotations

from typing import Any

from sandboxes.partner.api import ResourceCollection, ResourceRecord, render_error
from sandboxes.partner.control import add_control_routes
from sandboxes.partner.events import PARTNER_RETRY_SCHEDULE_S
from sandboxes.partner.sandbox import PartnerSandbox
from sandboxes.web import DropConnections, SandboxHandle, start_server
from sandboxes.web import build_app as build_base_app

__all__ = ["PARTNER_RETRY_SCHEDULE_S", "PartnerSandbox", "build_app", "start"]


def build_app(state: PartnerSandbox) -> DropConnections:
    app = build_base_app(state, render_error)
    app.add_route("/v1/accounts/{account}/{resource}", ResourceCollection(state))
    app.add_route("/v1/accounts/{account}/{resource}/{record_id}", ResourceRecord(state))
    add_control_routes(app, state)
    return DropConnections(app)


def start(
    state: PartnerSandbox | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    **options: Any,
) -> SandboxHandle:
    """Serve a partner sandbox (a new one from `options` unless `state` is given); port 0
    picks a free port. The API base URL is `handle.url`."""
    state = state or PartnerSandbox(**options)
    return start_server(state, build_app(state), host, port)
