"""The per-entity pipeline: `build_handler(settings, store, route) -> Handler`, called once per
(entity, direction) by `connec-sync consume`. The handler follows consumers.outcomes; its steps
are in consumers.to_app (Connec! -> partner) and consumers.to_connec (partner -> Connec!), over
the guard of consumers.guard. See docs/consumers-pipeline.md.
"""

from __future__ import annotations

import functools
import threading
import weakref

from connec_sync import crash
from connec_sync.clients.http import MAX_IN_PROCESS_WAIT_S, RateGate
from connec_sync.naming import TO_APP, Route
from connec_sync.settings import Settings
from consumers.guard import Guard
from consumers.link_backs import LinkBackSender
from consumers.organizations import OrganizationLookup
from consumers.outcomes import Handler
from consumers.steps import RecordPipeline, Targets
from consumers.to_app import apply_to_partner
from consumers.to_connec import apply_to_connec

#: requests one message may make while it holds a record (create + PATCH of a replayed create)
REQUESTS_PER_HOLD = 2
#: seconds added to a lease beyond the longest a live holder can take
LEASE_MARGIN_S = 5.0

_gate: RateGate | None = None
_gate_lock = threading.Lock()
#: per store, its link-back sender (forgotten with the store)
_senders: weakref.WeakKeyDictionary[object, LinkBackSender] = weakref.WeakKeyDictionary()


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
    """The handler of one route; its own clients and lease owner, the process's rate gate.
    A to-app handler carries `background`: the process's sender of the store's pending
    link-backs (consumers.link_backs), which the worker runs beside its handlers."""
    gate = gate or process_gate()
    pipeline = RecordPipeline(
        entity=route.entity,
        direction=route.direction,
        provider=settings.partner.provider,
        organizations=OrganizationLookup(store.organizations),  # type: ignore[attr-defined]
        guard=Guard(store.id_map, None, lease_seconds(settings)),  # type: ignore[attr-defined]
        id_map=store.id_map,  # type: ignore[attr-defined]
        targets=Targets(settings, gate),
    )
    if route.direction != TO_APP:
        return crash.poisonable(functools.partial(apply_to_connec, pipeline))
    handler = crash.poisonable(functools.partial(apply_to_partner, pipeline))
    handler.background = link_back_sender(settings, store, gate)  # type: ignore[attr-defined]
    return handler


def link_back_sender(settings: Settings, store: object, gate: RateGate) -> LinkBackSender:
    """The process's one link-back sender for `store` (made on first use, with its own Connec!
    sessions: it runs in its own thread)."""
    with _gate_lock:
        sender = _senders.get(store)
        if sender is None:
            targets = Targets(settings, gate)
            pending = store.link_backs  # type: ignore[attr-defined]
            sender = LinkBackSender(pending, targets.connec, settings.connec.timeout_s)
            _senders[store] = sender
        return sender
