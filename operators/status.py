"""The facts `status` and the status page show: queues per entity and direction, organizations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from connec_sync.broker import Broker, BrokerUnavailable, ClusterView, open_broker
from connec_sync.broker.setup import queue_specs
from connec_sync.settings import Settings
from mappers.registry import COLLECTIONS
from operators.dead_letters import collect_dead_letters

#: the examples of records applied with dropped fields shown per organization
LATEST_EXAMPLES = 5
#: what an unreachable or lost broker raises while the facts are gathered
BROKER_DOWN: tuple[type[Exception], ...] = (BrokerUnavailable,)


def redact_url(url: str) -> str:
    """The URL (or comma-separated URLs of a cluster's nodes) without passwords."""
    if "," in url:
        return ",".join(redact_url(each.strip()) for each in url.split(","))
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def queue_facts(settings: Settings, broker: Broker) -> dict[str, Any]:
    """Every work, backfill, retry and dead-letter queue with ready, unacked and consumers."""
    unacked = broker.unacked_counts()
    view = broker.cluster_view()
    rows = []
    for spec in queue_specs(settings.broker, COLLECTIONS):
        counted = broker.count(spec.name)
        assert spec.route is not None
        placement = view.queues.get(spec.name) if view is not None else None
        rows.append(
            {
                "entity": spec.route.entity,
                "direction": spec.route.direction,
                "role": spec.role,
                "delay_s": spec.delay_s,
                "name": spec.name,
                "exists": counted.exists,
                "ready": counted.ready,
                "unacked": unacked.get(spec.name) if unacked is not None else None,
                "consumers": counted.consumers,
                "leader": placement.leader if placement else None,
                "members": list(placement.members) if placement else None,
            }
        )
    return {
        "broker": redact_url(settings.broker.url),
        "unacked_known": unacked is not None,
        "queues": rows,
        "cluster_nodes": list(view.nodes) if view is not None else None,
        "replica_warnings": replica_warnings(view, {str(row["name"]) for row in rows}),
    }


def replica_warnings(view: ClusterView | None, queues: set[str]) -> list[str]:
    """One line per queue of `queues` with fewer members than the cluster has nodes (declared
    before a node joined, or a member removed), naming the command that adds the replicas."""
    if view is None or len(view.nodes) < 2:
        return []
    warnings = []
    for name, placement in sorted(view.queues.items()):
        if name not in queues:
            continue
        missing = [node for node in view.nodes if node not in placement.members]
        if missing:
            warnings.append(
                f"queue {name} has {len(placement.members)} of {len(view.nodes)} replicas "
                f"(none on {', '.join(missing)}): run `rabbitmq-queues grow {missing[0]} all` "
                "(once per missing node)"
            )
    return warnings


def organization_facts(store: Any) -> list[dict[str, Any]]:
    """Linked organizations with their last sync runs, the records in error and the records
    applied with dropped fields."""
    facts = []
    for org in store.organizations.all():
        runs = store.runs.latest(org.id, 3)
        errors = [link for link in store.id_map.links(org.id) if link.last_error or link.inactive]
        facts.append(
            {
                **org.settings(),
                "last_runs": [
                    {
                        "id": r.id,
                        "mode": r.mode,
                        "state": r.state,
                        "counts": r.counts,
                        "error": r.error,
                        "started_at": r.started_at.isoformat(),
                        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                    }
                    for r in runs
                ],
                "records_with_errors": [
                    {
                        "entity": e.entity,
                        "connec_id": e.connec_id,
                        "partner_id": e.partner_id,
                        "name": e.name,
                        "error": e.last_error,
                        "inactive": e.inactive,
                    }
                    for e in errors[:50]
                ],
                "dropped_fields": dropped_field_facts(store, org.id),
            }
        )
    return facts


def dropped_field_facts(store: Any, organization_id: int) -> dict[str, Any]:
    """Records applied with dropped fields: how many of the kept ones per entity and direction,
    and the latest examples with each field left out and why."""
    kept = store.dropped_fields
    return {
        "records": [
            {"entity": entity, "direction": direction, "count": count}
            for (entity, direction), count in sorted(kept.counts(organization_id).items())
        ],
        "latest": [
            {
                "entity": e.entity,
                "direction": e.direction,
                "record_id": e.record_id,
                "name": e.name,
                "fields": e.fields,
                "applied_at": e.applied_at.isoformat(),
            }
            for e in kept.latest(organization_id, LATEST_EXAMPLES)
        ],
    }


def status_facts(settings: Settings, store: Any) -> dict[str, Any]:
    """Everything `status` and the status page show. Dead letters are collected into the store
    first. An unreachable broker is a fact (`broker_reachable` false), not an error."""
    facts: dict[str, Any] = {"broker": redact_url(settings.broker.url), "broker_reachable": True}
    facts |= {"broker_error": None, "unacked_known": False, "queues": [], "collected": None}
    facts |= {"cluster_nodes": None, "replica_warnings": []}
    try:
        facts |= _broker_facts(settings, store)
    except BROKER_DOWN as error:
        facts |= {"broker_reachable": False, "broker_error": str(error) or repr(error)}
    facts["dead_letters"] = store.dead_letters.counts()
    facts["routes"] = route_facts(settings, facts["queues"], facts["dead_letters"])
    facts["organizations"] = organization_facts(store)
    return facts


def _broker_facts(settings: Settings, store: Any) -> dict[str, Any]:
    with open_broker(settings.broker, COLLECTIONS) as broker:
        collected = collect_dead_letters(settings.broker, store, broker)
        return queue_facts(settings, broker) | {"collected": vars(collected)}


def route_facts(
    settings: Settings, queues: list[dict[str, Any]], dead_letters: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per entity and direction: lanes, retry tiers, dead-letter queue, consumers, and
    the dead letters kept in the store by reason (pending replay) and by replay state."""
    by_name = {row["name"]: row for row in queues}
    routes: dict[tuple[str, str], dict[str, Any]] = {}
    for spec in queue_specs(settings.broker, COLLECTIONS):
        assert spec.route is not None
        key = (spec.route.entity, spec.route.direction)
        row = routes.setdefault(key, _empty_route(*key))
        counts = _counts(by_name.get(spec.name))
        if spec.role == "retry":
            row["retry"].append({"delay_s": spec.delay_s, **counts})
        else:
            row[spec.role] = counts
    for kept in dead_letters:
        found = routes.get((kept["entity"], kept["direction"]))
        if found is not None:
            tally = found["dead_letters"] if kept["state"] == "pending" else found["replays"]
            name = kept["reason"] if kept["state"] == "pending" else kept["state"]
            tally[name] = tally.get(name, 0) + kept["count"]
    return list(routes.values())


def _empty_route(entity: str, direction: str) -> dict[str, Any]:
    return {"entity": entity, "direction": direction, "retry": []} | {
        "dead_letters": {},
        "replays": {},
    }


def _counts(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"ready": None, "unacked": None, "consumers": None}
    return {"ready": row["ready"], "unacked": row["unacked"], "consumers": row["consumers"]}
