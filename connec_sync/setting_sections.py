"""The sections of the settings file, one frozen dataclass each (connec_sync.settings reads
the file into them and checks them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connec_sync import setting_checks as check

#: entity directions an organization may set
DIRECTIONS = ("both", "to-connec", "to-app", "off")
#: who wins when both sides changed a record since the last sync
CONFLICT_POLICIES = ("recent", "connec", "partner")


@dataclass(frozen=True)
class BrokerSettings:
    #: one node's AMQP URL, or several nodes of one cluster, comma-separated (a TOML array is
    #: joined so); see `urls`
    url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    prefetch: int = 20
    #: records one consumer process applies at once (threads; at most `prefetch`)
    concurrency: int = 4
    #: keep a consumer process's threads on one CPU no other consumer took
    #: (consumers.runtime.affinity)
    pin_cpu: bool = True
    #: prefix of every exchange and queue name, so deployments can share a broker
    namespace: str = "connec-sync"
    #: optional management API base (http://user:pass@host:15672) for unacked counts in status
    management_url: str = ""
    #: seconds the receiver waits for the broker to confirm a request's records
    confirm_timeout_s: float = 5.0
    #: deliveries of one message before the quorum queue dead-letters it (poison guard)
    delivery_limit: int = 5
    #: tries of one message (the first included) before a transient failure dead-letters it
    max_attempts: int = 8
    #: delay tiers for retries, in seconds; one queue per tier
    retry_delays_s: tuple[int, ...] = (5, 30, 120, 600)
    #: AMQP heartbeat in seconds: a node gone silent (hung, partitioned away) is given up
    #: after about twice this, and the client moves to another node
    heartbeat_s: int = 10

    @property
    def urls(self) -> tuple[str, ...]:
        """The nodes `url` names, in the configured order (clients shuffle them)."""
        return check.split_urls(self.url)

    @property
    def is_memory(self) -> bool:
        return self.url.startswith("memory://")


@dataclass(frozen=True)
class StoreSettings:
    url: str = "sqlite:///connec-sync.db"


@dataclass(frozen=True)
class ReceiverSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 5_242_880
    workers: int = 2
    #: address of the operator pages (status, trace, metrics): never the webhook port
    operator_host: str = "127.0.0.1"
    #: port of the operator pages; 0 means the webhook port + 1
    operator_port: int = 0
    #: HTTP Basic password of the operator pages; required when operator_host is not loopback
    operator_password: str = ""

    @property
    def operator_bind_port(self) -> int:
        """The operator pages' port: `operator_port`, else the webhook port + 1."""
        return self.operator_port or (self.port + 1 if self.port else 0)


@dataclass(frozen=True)
class LineageSettings:
    #: days each record's journey is kept (pruned by the consumer processes)
    retention_days: int = 7


@dataclass(frozen=True)
class TenantSettings:
    api_id: str
    api_key: str

    def __repr__(self) -> str:  # never print the key
        return f"TenantSettings(api_id={self.api_id!r}, api_key='***')"


@dataclass(frozen=True)
class ConnecSettings:
    base_url: str = "https://api-connec.maestrano.com"
    timeout_s: float = 30.0
    tenants: Mapping[str, TenantSettings] = field(default_factory=dict)


@dataclass(frozen=True)
class PartnerSettings:
    provider: str = "demoapp"
    base_url: str = "https://api.demoapp.example"
    api_token: str = ""
    webhook_secrets: tuple[str, ...] = ()
    timeout_s: float = 30.0
    #: the provider's own table, `[partner.<provider>]`, as read: the provider checks it
    #: (providers/registry.py); any other sub-table of [partner] is an error there
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __repr__(self) -> str:  # never print secrets
        return (
            f"PartnerSettings(provider={self.provider!r}, base_url={self.base_url!r}, "
            f"api_token='***', webhook_secrets=({len(self.webhook_secrets)} hidden), "
            f"options=({', '.join(sorted(self.options))}: hidden))"
        )


@dataclass(frozen=True)
class SyncSettings:
    #: a run stops before writing when more than this share of an entity's linked, active
    #: records would be archived by it
    max_archive_share: float = 0.5
    #: seconds subtracted from the start of the last successful run to get an incremental `since`
    safety_margin_s: int = 300
    #: records asked for per API page (Connec! `$top`, partner `limit`)
    page_size: int = 100
    #: `--every`: each pause is the interval plus or minus this share of it, at random
    every_jitter_share: float = 0.1
    #: a run still `running` after this many seconds is taken as abandoned (its process died)
    stale_run_s: int = 21600


@dataclass(frozen=True)
class OrganizationSettings:
    tenant: str
    group_id: str
    account: str
    entities: Mapping[str, str] = field(default_factory=dict)
    enabled: bool = True
    conflict_winner: str = "recent"

    def direction(self, entity: str) -> str:
        """The direction set for an entity; an entity not listed is off."""
        return self.entities.get(entity, "off")
