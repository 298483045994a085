"""Settings: one TOML file plus CONNEC_SYNC_* environment overrides, read once, frozen."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from connec_sync import setting_checks as check
from connec_sync.setting_checks import SettingsError
from connec_sync.setting_environment import CONFIG_ENV, ENV_PREFIX, apply_environment
from connec_sync.setting_sections import (
    CONFLICT_POLICIES,
    DIRECTIONS,
    BrokerSettings,
    ConnecSettings,
    LineageSettings,
    OrganizationSettings,
    PartnerSettings,
    ReceiverSettings,
    StoreSettings,
    SyncSettings,
    TenantSettings,
)

__all__ = [
    "CONFIG_ENV",
    "ENV_PREFIX",
    "Settings",
    "SettingsError",
    "BrokerSettings",
    "CONFLICT_POLICIES",
    "ConnecSettings",
    "DIRECTIONS",
    "LineageSettings",
    "OrganizationSettings",
    "PartnerSettings",
    "ReceiverSettings",
    "StoreSettings",
    "SyncSettings",
    "TenantSettings",
]


@dataclass(frozen=True)
class Settings:
    broker: BrokerSettings = field(default_factory=BrokerSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    receiver: ReceiverSettings = field(default_factory=ReceiverSettings)
    connec: ConnecSettings = field(default_factory=ConnecSettings)
    partner: PartnerSettings = field(default_factory=PartnerSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    lineage: LineageSettings = field(default_factory=LineageSettings)
    organizations: tuple[OrganizationSettings, ...] = ()

    @classmethod
    def from_file(
        cls, path: str | Path | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Read the file named by `path` or CONNEC_SYNC_CONFIG (none: defaults), then the env."""
        environ = os.environ if environ is None else environ
        path = path or environ.get(CONFIG_ENV)
        raw: dict[str, Any] = {}
        if path:
            raw = _read_toml(Path(path))
        return cls.from_mapping(raw, environ)

    @classmethod
    def from_mapping(
        cls, raw: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> Settings:
        sections = tuple(f.name for f in fields(cls) if f.name != "organizations")
        raw = apply_environment(_deep_copy(raw), environ or {}, sections)
        check.known_keys("", raw, {f.name for f in fields(cls)})
        settings = cls(
            broker=_section(BrokerSettings, "broker", _broker_urls_joined(raw.get("broker", {}))),
            store=_section(StoreSettings, "store", raw.get("store", {})),
            receiver=_section(ReceiverSettings, "receiver", raw.get("receiver", {})),
            connec=_connec(raw.get("connec", {})),
            partner=_partner(raw.get("partner", {})),
            sync=_section(SyncSettings, "sync", raw.get("sync", {})),
            lineage=_section(LineageSettings, "lineage", raw.get("lineage", {})),
            organizations=_organizations(raw.get("organizations", [])),
        )
        _validate(settings)
        return settings

    def tenant(self, name: str) -> TenantSettings | None:
        return self.connec.tenants.get(name)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(CONFIG_ENV, f"file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(CONFIG_ENV, f"{path} is not valid TOML ({error})") from None


def _deep_copy(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (_deep_copy(v) if isinstance(v, Mapping) else v) for k, v in raw.items()}


def _section(kind: type, name: str, raw: Any, tables: tuple[str, ...] = ()) -> Any:
    if not isinstance(raw, Mapping):
        raise SettingsError(name, "must be a table")
    allowed = {f.name: f for f in fields(kind) if f.name not in tables}
    check.known_keys(name, raw, set(allowed))
    values = {}
    for key, value in raw.items():
        default = allowed[key].default
        values[key] = check.coerce(f"{name}.{key}", value, default)
    return kind(**values)


def _partner(raw: Any) -> PartnerSettings:
    """[partner], its sub-tables (`[partner.<provider>]`) kept apart as the provider's options."""
    if not isinstance(raw, Mapping):
        raise SettingsError("partner", "must be a table")
    options = {key: dict(value) for key, value in raw.items() if isinstance(value, Mapping)}
    plain = {key: value for key, value in raw.items() if key not in options}
    base = _section(PartnerSettings, "partner", plain, tables=("options",))
    return dataclasses.replace(base, options=options)


def _broker_urls_joined(raw: Any) -> Any:
    """`broker.url` as one string: a TOML array of node URLs joined by commas."""
    if isinstance(raw, dict) and "url" in raw:
        raw["url"] = check.url_list("broker.url", raw["url"])
    return raw


def _connec(raw: Any) -> ConnecSettings:
    raw = dict(raw) if isinstance(raw, Mapping) else raw
    tenants_raw = raw.pop("tenants", {}) if isinstance(raw, dict) else {}
    base = _section(ConnecSettings, "connec", raw)
    tenants = {}
    for tenant, creds in tenants_raw.items():
        key = f"connec.tenants.{tenant}"
        check.known_keys(key, creds, {"api_id", "api_key"})
        for required in ("api_id", "api_key"):
            if not str(creds.get(required, "")).strip():
                raise SettingsError(f"{key}.{required}", "is required")
        tenants[tenant] = TenantSettings(str(creds["api_id"]), str(creds["api_key"]))
    return ConnecSettings(base_url=base.base_url, timeout_s=base.timeout_s, tenants=tenants)


def _organizations(raw: Any) -> tuple[OrganizationSettings, ...]:
    if not isinstance(raw, list):
        raise SettingsError("organizations", "must be an array of tables ([[organizations]])")
    result = []
    for index, entry in enumerate(raw):
        key = f"organizations[{index}]"
        allowed = {f.name for f in fields(OrganizationSettings)}
        check.known_keys(key, entry, allowed)
        for required in ("tenant", "group_id", "account"):
            if not str(entry.get(required, "")).strip():
                raise SettingsError(f"{key}.{required}", "is required")
        result.append(
            OrganizationSettings(**{**entry, "entities": dict(entry.get("entities", {}))})
        )
    return tuple(result)


def _validate(settings: Settings) -> None:
    check.broker_urls("broker.url", settings.broker.urls)
    check.url("store.url", settings.store.url, ("sqlite", "postgresql", "postgresql+psycopg"))
    check.url("connec.base_url", settings.connec.base_url, ("http", "https"))
    check.url("partner.base_url", settings.partner.base_url, ("http", "https"))
    check.positive("broker.prefetch", settings.broker.prefetch)
    check.positive("broker.concurrency", settings.broker.concurrency)
    if settings.broker.concurrency > settings.broker.prefetch:
        raise SettingsError("broker.concurrency", "must be at most broker.prefetch")
    check.positive("receiver.max_body_bytes", settings.receiver.max_body_bytes)
    check.port("receiver.port", settings.receiver.port)
    check.port("receiver.operator_port", settings.receiver.operator_port)
    if settings.receiver.port and settings.receiver.operator_bind_port == settings.receiver.port:
        raise SettingsError("receiver.operator_port", "must differ from receiver.port")
    check.positive("sync.page_size", settings.sync.page_size)
    check.positive("sync.max_archive_share", settings.sync.max_archive_share)
    check.positive("sync.stale_run_s", settings.sync.stale_run_s)
    check.positive("lineage.retention_days", settings.lineage.retention_days)
    for index, secret in enumerate(settings.partner.webhook_secrets):
        check.webhook_secret(f"partner.webhook_secrets[{index}]", secret)
    for index, org in enumerate(settings.organizations):
        key = f"organizations[{index}]"
        if org.tenant not in settings.connec.tenants:
            raise SettingsError(f"{key}.tenant", f"names no [connec.tenants.{org.tenant}] table")
        for entity, direction in org.entities.items():
            check.one_of(f"{key}.entities.{entity}", direction, DIRECTIONS)
        check.one_of(f"{key}.conflict_winner", org.conflict_winner, CONFLICT_POLICIES)
