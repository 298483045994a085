"""Environment overrides of the settings file: CONNEC_SYNC_<SECTION>_<KEY>, read into the raw
table before it is checked (connec_sync.settings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connec_sync import setting_checks as check
from connec_sync.setting_checks import SettingsError

#: environment variable naming the settings file
CONFIG_ENV = "CONNEC_SYNC_CONFIG"
#: prefix of every environment override
ENV_PREFIX = "CONNEC_SYNC_"


def apply_environment(
    raw: dict[str, Any], environ: Mapping[str, str], sections: tuple[str, ...]
) -> dict[str, Any]:
    """Fold CONNEC_SYNC_<SECTION>_<KEY> (and ..._CONNEC_TENANTS_<T>_<KEY>, and
    ..._PARTNER_<PROVIDER>_<KEY> for the provider table the file has) into the raw table."""
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV:
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        section = next((s for s in sections if rest.startswith(s + "_")), None)
        if section is None:
            continue  # not a settings override (e.g. a test crash point)
        key = rest[len(section) + 1 :]
        table = raw.setdefault(section, {})
        provider = _provider_table(table, key) if section == "partner" else None
        if section == "connec" and key.startswith("tenants_"):
            _tenant_override(table, key[len("tenants_") :], value, name)
        elif provider is not None:
            table[provider][key[len(provider) + 1 :]] = check.from_env(name, value)
        else:
            table[key] = check.from_env(name, value)
    return raw


def _provider_table(partner: dict[str, Any], key: str) -> str | None:
    """The `[partner.<provider>]` table an environment key belongs to, if the file has it."""
    return next(
        (
            name
            for name, value in partner.items()
            if isinstance(value, dict) and key.startswith(name + "_")
        ),
        None,
    )


def _tenant_override(connec: dict[str, Any], rest: str, value: str, name: str) -> None:
    for field_name in ("api_id", "api_key"):
        if rest.endswith("_" + field_name):
            tenant_env = rest[: -len(field_name) - 1]
            tenants = connec.setdefault("tenants", {})
            tenant = next((t for t in tenants if _env_name(t) == tenant_env), tenant_env)
            tenants.setdefault(tenant, {})[field_name] = value
            return
    raise SettingsError(name, "names no tenant key (expected ..._API_ID or ..._API_KEY)")


def _env_name(tenant: str) -> str:
    return tenant.lower().replace("-", "_")
