"""Connec! id arrays: `[{"id", "provider", "realm"}, ...]`, with Connec!'s own entry first."""

from __future__ import annotations

from typing import Any

from sandboxes.web import SandboxError

#: the provider name of Connec!'s own id entry
CONNEC = "connec"

EntryKey = tuple[str, str, str]


def entry(id_: str, provider: str, realm: str) -> dict[str, str]:
    return {"id": id_, "provider": provider, "realm": realm}


def normalise(value: Any, channel_id: str, field: str = "id") -> list[dict[str, str]]:
    """An id value as pushed (array, single entry, or a plain Connec! id string) as entries."""
    if value is None:
        return []
    if isinstance(value, str | int):
        return [entry(str(value), CONNEC, channel_id)]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(_is_entry(e) for e in value):
        raise SandboxError(400, "invalid", f"{field} must be an id array", {field: ["malformed"]})
    return [entry(str(e["id"]), str(e["provider"]), str(e.get("realm") or "")) for e in value]


def _is_entry(candidate: Any) -> bool:
    return isinstance(candidate, dict) and "id" in candidate and "provider" in candidate


def key(id_entry: dict[str, str]) -> EntryKey:
    """What identifies an entry: Connec!'s own by id, an app's by (provider, realm, id)."""
    if id_entry["provider"] == CONNEC:
        return (CONNEC, "", id_entry["id"])
    return (id_entry["provider"], id_entry["realm"], id_entry["id"])


def connec_id(entries: list[dict[str, str]]) -> str | None:
    return next((e["id"] for e in entries if e["provider"] == CONNEC), None)


def app_entries(entries: list[dict[str, str]]) -> list[dict[str, str]]:
    return [e for e in entries if e["provider"] != CONNEC]


def merge(current: list[dict[str, str]], pushed: list[dict[str, str]]) -> list[dict[str, str]]:
    """Keep Connec!'s entry; an app entry replaces the one with the same provider and realm."""
    merged = {(e["provider"], e["realm"]): e for e in current}
    for pushed_entry in app_entries(pushed):
        merged[(pushed_entry["provider"], pushed_entry["realm"])] = dict(pushed_entry)
    return list(merged.values())


def render(entries: list[dict[str, str]], external: bool) -> Any:
    """Id arrays with `CONNEC-EXTERNAL-IDS: true`, the plain Connec! id without."""
    if external:
        return [dict(e) for e in entries]
    return connec_id(entries)
