"""Settings: the operators' contract, read once, failing loudly with the key's name."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from connec_sync.settings import Settings, SettingsError
from tests import processes

GOOD = textwrap.dedent(
    """
    [broker]
    url = "amqp://guest:guest@127.0.0.1:5672/%2F"
    prefetch = 20
    [store]
    url = "sqlite:///connec-sync.db"
    [receiver]
    host = "127.0.0.1"
    port = 8080
    max_body_bytes = 5242880
    [connec]
    base_url = "https://api-connec.maestrano.com"
    timeout_s = 30
    [connec.tenants.default]
    api_id = "app-id-1"
    api_key = "secret-key-1"
    [partner]
    provider = "demoapp"
    base_url = "https://api.demoapp.example"
    api_token = "tok-123"
    webhook_secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
    timeout_s = 30
    [[organizations]]
    tenant = "default"
    group_id = "cld-9ax2"
    account = "acct-2243"
    entities = { organizations = "both", people = "to-app" }
    """
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "connec-sync.toml"
    path.write_text(text)
    return path


def test_the_documented_example_file_loads_into_a_frozen_object(tmp_path: Path) -> None:
    settings = Settings.from_file(write(tmp_path, GOOD), environ={})
    assert settings.broker.prefetch == 20
    assert settings.connec.tenants["default"].api_id == "app-id-1"
    assert settings.organizations[0].direction("people") == "to-app"
    assert settings.organizations[0].direction("invoices") == "off"
    with pytest.raises(AttributeError):
        settings.broker.prefetch = 5  # type: ignore[misc]


def test_no_file_gives_working_defaults() -> None:
    settings = Settings.from_file(None, environ={})
    assert settings.broker.url.startswith("amqp://")
    assert settings.store.url == "sqlite:///connec-sync.db"
    assert settings.receiver.max_body_bytes == 5_242_880


def test_environment_overrides_scalars_and_tenant_secrets(tmp_path: Path) -> None:
    environ = {
        "CONNEC_SYNC_BROKER_URL": "memory://",
        "CONNEC_SYNC_BROKER_PREFETCH": "7",
        "CONNEC_SYNC_PARTNER_API_TOKEN": "from-env",
        "CONNEC_SYNC_CONNEC_TENANTS_DEFAULT_API_KEY": "key-from-env",
        "CONNEC_SYNC_CRASH_POINT": "not a setting, ignored",
    }
    settings = Settings.from_file(write(tmp_path, GOOD), environ=environ)
    assert settings.broker.is_memory
    assert settings.broker.prefetch == 7
    assert settings.partner.api_token == "from-env"
    assert settings.connec.tenants["default"].api_key == "key-from-env"


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (("prefetch = 20", "prefetch = 20\nprefech = 3"), "broker.prefech"),
        (('api_key = "secret-key-1"', ""), "connec.tenants.default.api_key"),
        (('url = "amqp://guest:guest@127.0.0.1:5672/%2F"', 'url = "not a url"'), "broker.url"),
        (('base_url = "https://api.demoapp.example"', 'base_url = "ftp://x"'), "partner.base_url"),
        (('people = "to-app"', 'people = "sideways"'), "organizations[0].entities.people"),
        (('tenant = "default"', 'tenant = "nowhere"'), "organizations[0].tenant"),
        (("port = 8080", 'port = "eighty"'), "receiver.port"),
        (("prefetch = 20", "prefetch = 20\nconcurrency = 0"), "broker.concurrency"),
        (("prefetch = 20", "prefetch = 2\nconcurrency = 3"), "broker.concurrency"),
        (('["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]', '["plain"]'), "partner.webhook_secrets[0]"),
    ],
)
def test_a_bad_setting_is_refused_naming_its_key(
    tmp_path: Path, change: tuple[str, str], key: str
) -> None:
    text = GOOD.replace(*change, 1)
    with pytest.raises(SettingsError) as raised:
        Settings.from_file(write(tmp_path, text), environ={})
    assert raised.value.key == key
    assert key in str(raised.value)


def test_an_error_never_shows_a_secret(tmp_path: Path) -> None:
    text = GOOD.replace('api_id = "app-id-1"', 'api_id = "app-id-1"\nsecret = "hunter2"')
    with pytest.raises(SettingsError) as raised:
        Settings.from_file(write(tmp_path, text), environ={})
    assert "hunter2" not in str(raised.value)
    settings = Settings.from_file(write(tmp_path, GOOD), environ={})
    assert "secret-key-1" not in repr(settings)
    assert "tok-123" not in repr(settings)


def run_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "commands", "--config", str(config), *args]
    return processes.run(command, 60, capture_output=True, text=True, env={"PATH": "/usr/bin"})


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (("prefetch = 20", "prefetch = 20\nprefech = 3"), "broker.prefech"),
        (('api_key = "secret-key-1"', ""), "connec.tenants.default.api_key"),
        (('url = "amqp://guest:guest@127.0.0.1:5672/%2F"', 'url = "amqp//nohost"'), "broker.url"),
    ],
)
def test_the_process_exits_2_with_one_line_naming_the_key(
    tmp_path: Path, change: tuple[str, str], key: str
) -> None:
    done = run_cli(write(tmp_path, GOOD.replace(*change, 1)), "status")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert key in lines[0]


def test_a_missing_config_file_exits_2(tmp_path: Path) -> None:
    done = run_cli(tmp_path / "absent.toml", "topology")
    assert done.returncode == 2
    assert "CONNEC_SYNC_CONFIG" in done.stderr


def test_every_command_answers_help() -> None:
    from commands import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"topology", "status"} <= set(commands)
    for name, sub in commands.items():
        assert sub.format_help().startswith("usage: connec-sync " + name)


def test_a_webhook_secret_without_its_base64_padding_is_accepted(tmp_path: Path) -> None:
    padded = "whsec_" + "c2VjcmV0IHdpdGggcGFkZGluZw=="
    text = GOOD.replace("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", padded.rstrip("="), 1)
    settings = Settings.from_file(write(tmp_path, text), environ={})
    assert settings.partner.webhook_secrets == (padded.rstrip("="),)


def test_a_webhook_secret_that_is_not_base64_even_padded_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not*base64", 1)
    with pytest.raises(SettingsError, match="not whsec_ followed by base64"):
        Settings.from_file(write(tmp_path, text), environ={})
