"""The facts `status` and the status page show: queues per entity and direction, organizations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from connec_sync.broker import amqp, inspect
from connec_sync.broker.setup import queue_specs
from connec_sync.settings import Settings


def redact_url(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def queue_facts(settings: Settings, connection: Any) -> dict[str, Any]:
    """Every work, backfill, retry and dead-letter queue with ready, unacked and consumers."""
    figures = inspect.queue_figures(settings.broker)
    rows = []
    for spec in queue_specs(settings.broker):
        counted = amqp.count(connection, spec.name)
        known = figures.get(spec.name) if figures is not None else None
        assert spec.route is not None
        rows.append(
            {
                "entity": spec.route.entity,
                "direction": spec.route.direction,
                "role": spec.role,
                "delay_s": spec.delay_s,
                "name": spec.name,
                "exists": counted.exists,
                "ready": counted.ready,
                "unacked": known.unacked if known else None,
                "consumers": counted.consumers,
            }
        )
    return {"broker": redact_url(settings.broker.url), "unacked_known": figures is not None, "queues": rows}


def organization_facts(store: Any) -> list[dict[str, Any]]:
    """Linked organizations with their last sync runs and the records in error."""
    facts = []
    for org in store.organizations.all():
        runs = store.runs.latest(org.id, 3)
        errors = [link for link in store.id_map.links(org.id) if link.last_error or link.inactive]
        facts.append(
            {
                "tenant": org.tenant,
                "group_id": org.group_id,
                "account": org.account,
                "enabled": org.enabled,
                "conflict_winner": org.conflict_winner,
                "entities": org.entities,
                "last_runs": [
                    {"id": r.id, "mode": r.mode, "state": r.state, "counts": r.counts,
                     "error": r.error, "started_at": r.started_at.isoformat(),
                     "finished_at": r.finished_at.isoformat() if r.finished_at else None}
                    for r in runs
                ],
                "records_with_errors": [
                    {"entity": e.entity, "connec_id": e.connec_id, "partner_id": e.partner_id,
                     "name": e.name, "error": e.last_error, "inactive": e.inactive}
                    for e in errors[:50]
                ],
            }
        )
    return facts
