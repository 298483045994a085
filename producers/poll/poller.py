"""One poller: per linked account (under a lease in the store, so no other poller reads it at
the same time) and per entity the app carries to Connec!, read the records changed since the
cursor in the store, publish them as to-connec envelopes (live lane, confirmed), then keep the
cursor; every `deletes_every` polls, compare the linked partner ids with the ids that still
exist and publish a deletion for each one gone. A crash resumes from the last kept cursor: what
was published but not kept is published again, which the consumers' version guard skips."""

from __future__ import annotations

import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connec_sync import logs
from connec_sync.broker import Message, Publisher
from connec_sync.naming import LIVE, TO_CONNEC, Names
from connec_sync.store.clock import utcnow
from producers.poll import metrics
from providers.interface import ChangeReader, PollTiming, Provider
from schemas.envelope import Envelope

#: the lease on an account outlives a poller that stops renewing it by this much
LEASE_S = 120.0

log = logs.get_logger(__name__)


class Interrupted(Exception):
    """The poller was asked to stop between two pages."""


def holder_name() -> str:
    """This poller's name in leases: host, process, and a random part."""
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Poller:
    store: Any
    publisher: Publisher
    reader: ChangeReader
    provider: Provider
    names: Names
    timing: PollTiming
    page_size: int = 100
    holder: str = field(default_factory=holder_name)
    stop: threading.Event = field(default_factory=threading.Event)

    def poll_all(self) -> dict[str, dict[str, int]]:
        """One poll of every enabled linked organization: {account: {entity: published}}."""
        done = {}
        for organization in self.store.organizations.all():
            if self.stop.is_set():
                break
            if organization.enabled:
                counts = self.poll_account(organization)
                if counts is not None:
                    done[organization.account] = counts
        return done

    def poll_account(self, organization: Any) -> dict[str, int] | None:
        """One poll of an account; None when another poller holds its lease."""
        polls = self.store.polls
        if not polls.take_lease(organization.id, self.holder, LEASE_S):
            metrics.POLLS.labels("leased").inc()
            log.info("poll_skipped", account=organization.account, reason="leased")
            return None
        try:
            counts = {}
            for entity in self._entities(organization):
                if self.stop.is_set():  # a read with no changes checks nothing: check here
                    raise Interrupted(f"stopped before {entity}")
                counts[entity] = self._poll_entity(organization, entity)
        except Exception:
            metrics.POLLS.labels("failed").inc()
            raise
        finally:
            polls.release_lease(organization.id, self.holder)
        metrics.POLLS.labels("done").inc()
        return counts

    def _entities(self, organization: Any) -> list[str]:
        """The entities the app carries to Connec! for this organization."""
        return [
            entity
            for entity in self.provider.entities.collections
            if self.provider.supports(entity, TO_CONNEC) and organization.allows(entity, TO_CONNEC)
        ]

    def _poll_entity(self, organization: Any, entity: str) -> int:
        state = self.store.polls.state(organization.id, entity)
        settled_before = utcnow() - timedelta(seconds=self.timing.overlap_s)
        resource = self.provider.resource(entity)
        published = 0
        pages = self.reader.changed(
            organization.account, resource, state.cursor, settled_before, self.page_size
        )
        for page in pages:
            if self.stop.is_set():
                raise Interrupted(f"stopped after {published} {entity}")
            self._publish(organization, entity, page.records, "updated")
            self.store.polls.save(organization.id, entity, cursor=page.cursor)
            self.store.polls.take_lease(organization.id, self.holder, LEASE_S)
            published += len(page.records)
        polls = state.polls + 1
        if polls >= self.timing.deletes_every:
            published += self._sweep(organization, entity)
            self.store.polls.save(organization.id, entity, polls=0, swept_at=utcnow())
        else:
            self.store.polls.save(organization.id, entity, polls=polls)
        metrics.POLL_COMPLETED.labels(entity).set_to_current_time()
        log.info("poll_done", account=organization.account, entity=entity, published=published)
        return published

    def _sweep(self, organization: Any, entity: str) -> int:
        """Deletions for the linked records the app no longer has."""
        links = self.store.id_map.links(organization.id, entity)
        linked = [link.partner_id for link in links if link.partner_id and not link.inactive]
        if not linked:
            return 0
        resource = self.provider.resource(entity)
        existing = self.reader.existing(organization.account, resource, linked)
        gone = [{"id": partner_id} for partner_id in linked if partner_id not in existing]
        self._publish(organization, entity, gone, "deleted")
        metrics.POLL_DELETIONS.labels(entity).inc(len(gone))
        log.info("poll_swept", account=organization.account, entity=entity, deleted=len(gone))
        return len(gone)

    def _publish(
        self, organization: Any, entity: str, records: list[dict[str, Any]], action: str
    ) -> None:
        if not records:
            return
        now = utcnow()
        batch = [self._message(organization, entity, record, action, now) for record in records]
        self.publisher.publish_batch(batch)
        if action == "updated":
            metrics.POLL_RECORDS.labels(entity).inc(len(records))
            for record in records:
                metrics.POLL_CHANGE_AGE.observe(_age(record.get("updated_at"), now))

    def _message(
        self, organization: Any, entity: str, record: dict[str, Any], action: str, now: datetime
    ) -> Message:
        at = record.get("updated_at") if action == "updated" else now.isoformat()
        envelope = Envelope.new(
            direction=TO_CONNEC,
            entity=entity,
            record=record,
            action=action,
            origin="poll",
            tenant=organization.tenant,
            group_id=organization.group_id,
            account=organization.account,
            updated_at=at,
        )
        return envelope.message(self.names, LIVE)


def _age(updated_at: Any, now: datetime) -> float:
    try:
        return max(0.0, (now - datetime.fromisoformat(str(updated_at))).total_seconds())
    except ValueError:
        return 0.0
