"""What one Celery task of the peer does with one message, written the way a careful team would
write it on our parts, with nothing of ours that Celery would replace: decode our envelope,
validate and map the Connec! record with our mappers, look its link up in our id map (the same
store), create it in the partner app with our partner client (an idempotency key, so a redelivery
after a lost worker does not create it twice), link the ids in the id map, and link back in
Connec! at once (one PUT per record), then the task returns and Celery acks (`acks_late`).

No Celery here: the task in bench/celery_peer/app.py only calls `PeerPipeline.apply`, so this can
be tested without the `bench` extra (tests/unit/bench/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connec_sync.clients.connec import ConnecClient
from connec_sync.settings import Settings
from connec_sync.store import Store
from mappers import (
    MappingContext,
    connec_id,
    link_back,
    to_partner,
    validate_connec,
    validate_partner,
)
from mappers.registry import REFERENCE
from providers.demoapp.client import PartnerClient
from schemas.envelope import decode

#: how the peer appears in Connec!'s id arrays: as our reference app does
PROVIDER = "demoapp"


@dataclass
class PeerPipeline:
    store: Store
    partner: PartnerClient
    connec: ConnecClient

    @classmethod
    def from_settings(cls, settings: Settings) -> PeerPipeline:
        store = Store.open(settings.store.url)
        store.link_configured(settings.organizations)
        tenant = settings.organizations[0].tenant
        return cls(
            store,
            PartnerClient.from_settings(settings),
            ConnecClient.from_settings(settings, tenant),
        )

    def apply(self, body: bytes | str) -> str:
        """Apply one to-app message; `created` or `updated`."""
        envelope = decode(body)
        entity = envelope.entity
        organization = self.store.organizations.by_group(envelope.tenant, envelope.group_id)
        assert organization is not None, f"no organization {envelope.group_id}"
        record = validate_connec(entity, envelope.record)
        own = connec_id(record["id"])
        assert own is not None
        ctx = MappingContext(PROVIDER, organization.account, self._partner_id_for(organization))
        write = to_partner(entity, record, ctx)
        resource = REFERENCE.entity(entity).resource
        link = self.store.id_map.find(organization.id, entity, connec_id=own)
        if link is not None and link.partner_id:
            self.partner.update(organization.account, resource, link.partner_id, write.body)
            self.store.id_map.record(link.id, to_app_version=envelope.updated_at)
            return "updated"
        key = f"{organization.id}:{entity}:{own}"
        created = self.partner.create(organization.account, resource, write.body, key)
        link, _ = self.store.id_map.claim(
            organization.id, entity, connec_id=own, partner_id=str(created["id"])
        )
        self._link_back(organization, entity, record, created, ctx)
        self.store.id_map.record(link.id, to_app_version=envelope.updated_at)
        return "created"

    def _link_back(
        self, organization: Any, entity: str, record: Any, created: Any, ctx: MappingContext
    ) -> None:
        body = link_back(entity, record, validate_partner(entity, created), ctx)
        own = connec_id(record["id"])
        assert own is not None
        self.connec.update(organization.group_id, entity, own, body[entity])

    def _partner_id_for(self, organization: Any) -> Any:
        def partner_id_for(entity: str, connec: str) -> str | None:
            link = self.store.id_map.find(organization.id, entity, connec_id=connec)
            return link.partner_id if link is not None else None

        return partner_id_for

    def close(self) -> None:
        self.partner.close()
        self.connec.close()
        self.store.close()
