"""The demo's settings: the operator's file and environment where given, demo values elsewhere."""

from __future__ import annotations

import base64
import dataclasses
import os
from pathlib import Path

from commands.demo.data import CUSTOMERS
from connec_sync.settings import (
    BrokerSettings,
    ConnecSettings,
    OrganizationSettings,
    PartnerSettings,
    Settings,
    StoreSettings,
    TenantSettings,
)
from mappers.registry import COLLECTIONS

TENANT = "default"
API_ID, API_KEY = "demo-api-id", "demo-api-key"
API_TOKEN = "demo-partner-token"  # noqa: S105 - the sandbox's own demo token
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"connec-sync demo secret, 32 bytes").decode()
#: where the demo keeps its SQLite store, recreated at every start
DEMO_DIR = Path(".demo")


def demo_settings(settings: Settings, connec_url: str, partner: PartnerSettings) -> Settings:
    """Point at the Connec! sandbox and the demo's partner app (`partner`: the settings that
    reach it) and link the demo customers. The broker is in memory unless the operator named
    one (CONNEC_SYNC_BROKER_URL or a settings file)."""
    broker = settings.broker
    if not _broker_named():
        broker = dataclasses.replace(broker, url="memory://")
    organizations = tuple(
        OrganizationSettings(
            tenant=TENANT,
            group_id=group,
            account=account,
            entities={entity: "both" for entity in COLLECTIONS},
        )
        for account, group in CUSTOMERS
    )
    return dataclasses.replace(
        settings,
        broker=broker,
        store=StoreSettings(url=f"sqlite:///{DEMO_DIR / 'connec-sync-demo.db'}"),
        connec=ConnecSettings(
            base_url=connec_url, timeout_s=10, tenants={TENANT: TenantSettings(API_ID, API_KEY)}
        ),
        partner=partner,
        organizations=organizations,
    )


def _broker_named() -> bool:
    return bool(os.environ.get("CONNEC_SYNC_BROKER_URL") or os.environ.get("CONNEC_SYNC_CONFIG"))


def fresh_store_dir() -> None:
    DEMO_DIR.mkdir(exist_ok=True)
    for leftover in DEMO_DIR.glob("connec-sync-demo.db*"):
        leftover.unlink()


__all__ = ["BrokerSettings", "demo_settings", "fresh_store_dir"]
