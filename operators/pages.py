"""The operator pages' app, served on the operator port only (never beside the webhooks): the
status page, the trace search, and what the composition root adds (metrics), behind
OperatorAccess."""

from __future__ import annotations

import json
from typing import Any

import falcon

from connec_sync.settings import ReceiverSettings
from operators.access import OperatorAccess
from operators.status_page import Facts, add_status_routes
from operators.trace_page import TracePage


def create_operator_app(receiver: ReceiverSettings, facts: Facts, store: Any) -> falcon.App:
    """Credentials are asked whenever a password is set (and one must be beyond loopback)."""
    middleware = [OperatorAccess(receiver.operator_password)] if receiver.operator_password else []
    app = falcon.App(middleware=middleware)
    app.set_error_serializer(_json_error)
    add_status_routes(app, facts)
    app.add_route("/trace", TracePage(store))
    return app


def _json_error(_req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError) -> None:
    resp.content_type = falcon.MEDIA_JSON
    resp.data = json.dumps({"error": error.description or error.title}).encode()
