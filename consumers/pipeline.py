"""The per-entity pipeline: `build_handler(settings, store, route) -> Handler`, called once per
(entity, direction) by `connec-sync consume`. The handler follows consumers.outcomes; its steps
are in consumers.to_app (Connec! -> partner) and consumers.to_connec (partner -> Connec!), over
the guard of consumers.guard. See docs/consumers-pipeline.md.
"""

from __future__ import annotations

import functools
import threading

from connec_sync import crash
from connec_sync.clients.http import MAX_IN_PROCESS_WAIT_S, RateGate
from connec_sync.naming import TO_APP, Route
from connec_sync.settings import Settings
from consumers.guard import Guard
from consumers.organizations import OrganizationLookup
from consumers.outcomes import Handler
from consumers.steps import RecordPipeline, Targets, new_owner
from consumers.to_app import apply_to_partner
from consumers.to_connec import apply_to_connec

#: requests one message may make while it holds a record (create + link back)
REQUESTS_PER_HOLD = 2
#: seconds added to a lease beyond the longest a live holder can take
LEASE_MARGIN_S = 5.0

_gate: RateGate | None = None
_gate_lock = threading.Lock()


def process_gate() -> RateGate:
    """The process's one RateGate, shared by every handler (a 429 pauses them all)."""
    global _gate
    with _gate_lock:
        if _gate is None:
            _gate = RateGate()
        return _gate


def lease_seconds(settings: Settings) -> float:
    """How long a record's lease lasts: longer than a live holder can take (its requests, each
    up to the client timeout plus an in-process rate-limit wait)."""
    slowest = max(settings.connec.timeout_s, settings.partner.timeout_s) + MAX_IN_PROCESS_WAIT_S
    return REQUESTS_PER_HOLD * slowest + LEASE_MARGIN_S


def build_handler(
    settings: Settings, store: object, route: Route, gate: RateGate | None = None
) -> Handler:
    """The handler of one route; its own clients and lease owner, the process's rate gate."""
    pipeline = RecordPipeline(
        entity=route.entity,
        direction=route.direction,
        provider=settings.partner.provider,
        organizations=OrganizationLookup(store.organizations),  # type: ignore[attr-defined]
        guard=Guard(store.id_map, new_owner(), lease_seconds(settings)),  # type: ignore[attr-defined]
        id_map=store.id_map,  # type: ignore[attr-defined]
        targets=Targets(settings, gate or process_gate()),
    )
    apply = apply_to_partner if route.direction == TO_APP else apply_to_connec
    return crash.poisonable(functools.partial(apply, pipeline))
