"""The checks behind Settings: each raises SettingsError naming the key, never echoing a secret."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from connec_sync.webhook_secrets import MalformedSecret, secret_key


class SettingsError(Exception):
    """A setting is unknown, missing or malformed; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"setting {key}: {problem}")
        self.key = key


def known_keys(where: str, raw: Any, allowed: Iterable[str]) -> None:
    if not isinstance(raw, Mapping):
        raise SettingsError(where or "(top level)", "must be a table")
    allowed = set(allowed)
    for key in raw:
        if key not in allowed:
            name = f"{where}.{key}" if where else key
            raise SettingsError(name, f"unknown key (known: {', '.join(sorted(allowed))})")


def coerce(key: str, value: Any, default: Any) -> Any:
    """Check `value` against the type of the field's default; tuples accept TOML arrays."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise SettingsError(key, "must be true or false")
        return value
    if isinstance(default, int) and not isinstance(value, bool) and isinstance(value, int):
        return value
    if (
        isinstance(default, float)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return float(value)
    if isinstance(default, str) and isinstance(value, str):
        return value
    if isinstance(default, tuple) and isinstance(value, list | tuple):
        return tuple(value)
    raise SettingsError(key, f"must be a {type(default).__name__}")


def from_env(name: str, value: str) -> Any:
    """An environment value: numbers and booleans as such, lists comma-separated."""
    if name.endswith("_PASSWORD"):
        return value  # a password is text, whatever it looks like
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    if name.endswith(("_SECRETS", "_DELAYS_S")):
        items = [item.strip() for item in value.split(",") if item.strip()]
        return [int(item) if item.isdigit() else item for item in items]
    return value


def url(key: str, value: str, schemes: tuple[str, ...]) -> None:
    try:
        parts = urlsplit(value)
    except ValueError:
        raise SettingsError(key, "is not a URL") from None
    if parts.scheme not in schemes:
        raise SettingsError(key, f"is not a URL with scheme {' or '.join(schemes)}")
    if parts.scheme in ("http", "https", "amqp", "amqps", "postgresql", "postgresql+psycopg"):
        if not parts.hostname and parts.scheme.startswith(("http", "amqp")):
            raise SettingsError(key, "has no host")
        try:
            parts.port  # noqa: B018 - parsing the port is the check
        except ValueError:
            raise SettingsError(key, "has a malformed port") from None


def split_urls(value: str) -> tuple[str, ...]:
    """The URLs of a comma-separated list (a comma inside a URL is written %2C)."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def url_list(key: str, value: Any) -> str:
    """A URL or a TOML array of URLs, as one comma-separated string."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list | tuple) or not value:
        raise SettingsError(key, "must be a URL or a non-empty array of URLs")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise SettingsError(f"{key}[{index}]", "must be a non-empty URL string")
        if "," in item:
            raise SettingsError(f"{key}[{index}]", "has a comma (write it %2C)")
    return ",".join(item.strip() for item in value)


def broker_urls(key: str, urls: tuple[str, ...]) -> None:
    """One broker URL, or the AMQP URLs of one cluster's nodes: same vhost, no repeats."""
    if not urls:
        raise SettingsError(key, "is empty (expected an AMQP URL or memory://)")
    for index, each in enumerate(urls):
        url(key if len(urls) == 1 else f"{key}[{index}]", each, ("amqp", "amqps", "memory"))
    if len(urls) == 1:
        return
    if any(each.startswith("memory:") for each in urls):
        raise SettingsError(key, "memory:// cannot be one of several nodes")
    vhosts = {urlsplit(each).path.lstrip("/") or "/" for each in urls}
    if len(vhosts) > 1:
        named = ", ".join(sorted(vhosts))
        raise SettingsError(key, f"names several vhosts ({named}): one cluster, one vhost")
    nodes = [(urlsplit(each).hostname, urlsplit(each).port) for each in urls]
    if len(set(nodes)) < len(nodes):
        raise SettingsError(key, "names the same node twice")


def positive(key: str, value: float) -> None:
    if value <= 0:
        raise SettingsError(key, "must be greater than 0")


def port(key: str, value: int) -> None:
    if not 0 <= value <= 65535:
        raise SettingsError(key, "must be a port number (0-65535)")


def one_of(key: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SettingsError(key, f"must be one of {', '.join(allowed)}")


def webhook_secret(key: str, value: str) -> None:
    """Standard Webhooks secrets are `whsec_` followed by base64 (its padding may be left out)."""
    try:
        secret_key(value)
    except MalformedSecret as problem:
        raise SettingsError(key, str(problem)) from None
