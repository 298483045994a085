"""schemathesis against the served OpenAPI description: whatever the input, never a 5xx.

A test-only WSGI wrapper signs partner events and adds the tenant's credentials, so the
generated bodies get past authentication and exercise the parsers behind it.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from connec_sync.store import Store
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from tests.unit.receiver.support import FakePublisher, basic, signed_headers
from tests.unit.receiver.support import settings as receiver_settings


class Authenticating:
    """Signs every /app/events body and adds Basic credentials to notifications."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if environ["PATH_INFO"] == "/app/events":
            for name, value in signed_headers(body).items():
                if name != "Content-Type":
                    environ["HTTP_" + name.upper().replace("-", "_")] = value
        else:
            environ["HTTP_AUTHORIZATION"] = basic()
        return self.app(environ, start_response)


def _app() -> Any:
    config = receiver_settings()
    store = Store.open(f"sqlite:///{Path(tempfile.mkdtemp(prefix='receiver-fuzz-')) / 'store.db'}")
    store.link_configured(config.organizations)
    return Authenticating(create_app(config, store, FakePublisher(), ReceiverMetrics()))


#: the description the operator port serves at /openapi.yaml (the webhook port serves no docs)
DESCRIPTION = Path(__file__).resolve().parents[3] / "producers" / "openapi.yaml"
schema = schemathesis.openapi.from_path(DESCRIPTION)
schema.app = _app()


@schema.parametrize()
@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_receiver_answer_5xx(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
