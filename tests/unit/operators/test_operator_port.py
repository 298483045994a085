"""The operator pages live on their own port: none answers on the webhook port, and beyond
loopback they ask for the operator password (HTTP Basic) or the receiver refuses to start."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import falcon
import falcon.inspect
import falcon.testing
import pytest
import requests

from commands import main
from commands.receiver import receiver_apps
from connec_sync.http_server import PortDispatch, serve_in_thread
from connec_sync.settings import Settings, SettingsError
from connec_sync.store import Store
from operators.access import is_loopback
from producers.receiver.metrics import ReceiverMetrics
from tests.unit.receiver.support import FakePublisher, settings

pytestmark = pytest.mark.timeout(60)
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test's own password
WEBHOOK_ROUTES = {"/maestrano/connec/notifications/{tenant}", "/app/events", "/healthz", "/readyz"}


def basic(password: str, user: str = "operator") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def apps(sqlite_store_url: str) -> Iterator[tuple[falcon.App, falcon.App]]:
    """The receiver's two apps, the operator pages bound beyond loopback with a password."""
    config = settings(url="memory://")
    receiver = dataclasses.replace(
        config.receiver,
        operator_host="0.0.0.0",
        operator_password=PASSWORD,  # noqa: S104
    )
    config = dataclasses.replace(config, receiver=receiver)
    store = Store.open(sqlite_store_url)
    store.link_configured(config.organizations)
    yield receiver_apps(config, store, FakePublisher(), ReceiverMetrics())
    store.close()


def paths(app: falcon.App) -> set[str]:
    return {route.path for route in falcon.inspect.inspect_routes(app)}


def test_the_webhook_port_serves_only_the_webhooks_and_the_probes(apps) -> None:  # type: ignore[no-untyped-def]
    webhooks, operators = apps
    assert paths(webhooks) == WEBHOOK_ROUTES
    assert {"/status", "/status.json", "/metrics", "/openapi.yaml"} <= paths(operators)
    client = falcon.testing.TestClient(webhooks)
    for path in paths(operators):
        answer = client.simulate_get(path, headers=basic(PASSWORD))
        assert answer.status_code == 404, path


def test_every_operator_route_asks_for_credentials_beyond_loopback(apps) -> None:  # type: ignore[no-untyped-def]
    _, operators = apps
    server = serve_in_thread(operators, host="0.0.0.0")  # noqa: S104 - beyond loopback
    try:
        url = f"http://127.0.0.1:{server.port}"
        for path in paths(operators):
            for headers in ({}, basic("wrong"), {"Authorization": "Bearer x"}, basic("")):
                answer = requests.get(url + path, headers=headers, timeout=10)
                assert answer.status_code == 401, (path, headers)
                assert answer.headers["WWW-Authenticate"].startswith("Basic realm=")
        status = requests.get(url + "/status.json", headers=basic(PASSWORD), timeout=10)
        assert status.status_code == 200 and "routes" in status.json()
        metrics = requests.get(url + "/metrics", headers=basic(PASSWORD, "anyone"), timeout=10)
        assert metrics.status_code == 200
    finally:
        server.stop()


def test_one_server_on_two_ports_answers_each_with_its_own_app(apps) -> None:  # type: ignore[no-untyped-def]
    webhooks, operators = apps
    dispatch = PortDispatch(webhooks, {9091: operators})
    on_webhooks = falcon.testing.TestClient(dispatch)
    on_webhooks_status = on_webhooks.simulate_get("/status", extras={"SERVER_PORT": "9090"})
    assert on_webhooks_status.status_code == 404
    forged_host = on_webhooks.simulate_get(
        "/status", headers={"Host": "example.org:9091"}, extras={"SERVER_PORT": "9090"}
    )
    assert forged_host.status_code == 404  # the listener's port decides, not the Host header
    on_operators = on_webhooks.simulate_get(
        "/status", headers=basic(PASSWORD), extras={"SERVER_PORT": "9091"}
    )
    assert on_operators.status_code == 200


@pytest.mark.parametrize("command", ["receiver", "run"])
def test_the_receiver_refuses_to_start_beyond_loopback_without_a_password(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[receiver]\noperator_host = "0.0.0.0"\n')
    assert main(["--config", str(config), command]) == 2
    error = capsys.readouterr().err
    assert "receiver.operator_password" in error and "0.0.0.0" in error


def test_the_operator_port_defaults_to_the_webhook_port_plus_one() -> None:
    receiver = Settings.from_mapping({"receiver": {"port": 9000}}).receiver
    assert (receiver.operator_host, receiver.operator_bind_port) == ("127.0.0.1", 9001)
    assert (
        Settings.from_mapping({"receiver": {"operator_port": 7}}).receiver.operator_bind_port == 7
    )
    with pytest.raises(SettingsError, match="receiver.operator_port: must differ"):
        Settings.from_mapping({"receiver": {"port": 9000, "operator_port": 9000}})
    numeric = {"CONNEC_SYNC_RECEIVER_OPERATOR_PASSWORD": "123456"}
    assert Settings.from_mapping({}, numeric).receiver.operator_password == "123456"


def test_loopback_is_told_apart_from_every_other_address() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "10.0.0.5", "receiver.internal"]))  # noqa: S104
