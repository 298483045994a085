"""`broker.url` naming the nodes of one cluster: a TOML array or a comma-separated variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from connec_sync.settings import Settings, SettingsError

NODES = (
    "amqp://app:pw@10.0.0.1:5672/sync",
    "amqp://app:pw@10.0.0.2:5672/sync",
    "amqp://app:pw@10.0.0.3:5672/sync",
)


def broker_table(tmp_path: Path, url_line: str) -> Path:
    path = tmp_path / "connec-sync.toml"
    path.write_text(f"[broker]\n{url_line}\n")
    return path


def test_a_toml_array_names_every_node_in_order(tmp_path: Path) -> None:
    line = "url = [" + ", ".join(f'"{node}"' for node in NODES) + "]"
    settings = Settings.from_file(broker_table(tmp_path, line), environ={})
    assert settings.broker.urls == NODES
    assert not settings.broker.is_memory


def test_the_environment_takes_the_nodes_comma_separated() -> None:
    environ = {"CONNEC_SYNC_BROKER_URL": " , ".join(NODES)}
    settings = Settings.from_file(None, environ=environ)
    assert settings.broker.urls == NODES


def test_a_single_url_keeps_working(tmp_path: Path) -> None:
    settings = Settings.from_file(broker_table(tmp_path, f'url = "{NODES[0]}"'), environ={})
    assert settings.broker.urls == (NODES[0],)
    assert settings.broker.url == NODES[0]
    memory = Settings.from_file(None, environ={"CONNEC_SYNC_BROKER_URL": "memory://"})
    assert memory.broker.urls == ("memory://",)


@pytest.mark.parametrize(
    ("url_line", "key", "problem"),
    [
        ("url = []", "broker.url", "non-empty array"),
        ("url = 5", "broker.url", "non-empty array"),
        ('url = ["amqp://a:5672/%2F", 7]', "broker.url[1]", "non-empty URL string"),
        ('url = ["amqp://a:5672/%2F", ""]', "broker.url[1]", "non-empty URL string"),
        ('url = ["amqp://a:5672/%2F", "http://b:5672/"]', "broker.url[1]", "scheme"),
        ('url = ["amqp://a:5672/%2F", "amqp://b:56x/%2F"]', "broker.url[1]", "malformed port"),
        ('url = ["amqp://a/%2F", "memory://"]', "broker.url", "memory://"),
        ('url = ["amqp://a/one", "amqp://b/two"]', "broker.url", "several vhosts"),
        ('url = ["amqp://a:5672/%2F", "amqp://a:5672/%2F"]', "broker.url", "same node twice"),
        ('url = ["amqp://a/%2F", "amqp://b/%2F,amqp://c/%2F"]', "broker.url[1]", "comma"),
        ('url = " , "', "broker.url", "is empty"),
    ],
)
def test_a_bad_node_list_is_refused_naming_the_entry(
    tmp_path: Path, url_line: str, key: str, problem: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_file(broker_table(tmp_path, url_line), environ={})
    assert raised.value.key == key
    assert problem in str(raised.value)


def test_a_bad_node_in_the_environment_is_named_by_its_position() -> None:
    environ = {"CONNEC_SYNC_BROKER_URL": f"{NODES[0]},ftp://10.0.0.2/sync"}
    with pytest.raises(SettingsError) as raised:
        Settings.from_file(None, environ=environ)
    assert raised.value.key == "broker.url[1]"


def test_an_error_about_the_nodes_never_shows_their_password(tmp_path: Path) -> None:
    line = 'url = ["amqp://app:hunter2@a/one", "amqp://app:hunter2@b/two"]'
    with pytest.raises(SettingsError) as raised:
        Settings.from_file(broker_table(tmp_path, line), environ={})
    assert "hunter2" not in str(raised.value)
