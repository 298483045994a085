"""The per-entity pipeline as the runtime sees it: a `RouteHandler` per (entity, direction),
called with each decoded envelope. Its services are passed in: a consumer process's
composition root makes one `ConsumerServices` (settings, store, the process's rate gate, its
fault points) and asks `consumer_parts` for the handlers of its routes and the background
services they need (the link-back sender), which it gives to the worker.

The steps are in consumers.to_app (Connec! -> partner) and consumers.to_connec (partner ->
Connec!), over the guard of consumers.guard. See docs/consumers-pipeline.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connec_sync.clients.http import MAX_IN_PROCESS_WAIT_S, RateGate
from connec_sync.crash import FaultPoints
from connec_sync.naming import TO_APP, Route
from connec_sync.settings import Settings
from consumers.guard import Guard
from consumers.link_backs import LinkBackSender
from consumers.organizations import DIRECTION_OFF, OrganizationLookup
from consumers.outcomes import Outcome, Skip
from consumers.steps import RecordPipeline, Targets
from consumers.to_app import apply_to_partner
from consumers.to_connec import apply_to_connec
from providers.registry import configured
from schemas.envelope import Envelope

#: requests one message may make while it holds a record (create + PATCH of a replayed create)
REQUESTS_PER_HOLD = 2
#: seconds added to a lease beyond the longest a live holder can take
LEASE_MARGIN_S = 5.0


@dataclass(frozen=True)
class ConsumerServices:
    """What every handler of one consumer process shares: a 429 from a target pauses them all
    (one rate gate), and the fault points are read once, at start."""

    settings: Settings
    store: Any
    gate: RateGate = field(default_factory=RateGate)
    faults: FaultPoints = field(default_factory=FaultPoints)


class RouteHandler:
    """The handler of one route: applies an envelope's record in the route's direction with
    the services it was given, and returns (or raises) the outcome (consumers.outcomes). A
    route the partner app does not carry (its provider's capabilities) skips `direction_off`."""

    def __init__(self, pipeline: RecordPipeline, carried: bool = True) -> None:
        self.pipeline = pipeline
        self.carried = carried
        self._apply = apply_to_partner if pipeline.direction == TO_APP else apply_to_connec

    def __call__(self, envelope: Envelope) -> Outcome:
        self.pipeline.faults.check_record(envelope.record)
        if not self.carried:
            pipeline = self.pipeline
            error = f"{pipeline.provider} does not carry {pipeline.entity} {pipeline.direction}"
            raise Skip(DIRECTION_OFF, error=error)
        return self._apply(self.pipeline, envelope)


def lease_seconds(settings: Settings) -> float:
    """How long a record's lease lasts: longer than a live holder can take (its requests, each
    up to the client timeout plus an in-process rate-limit wait)."""
    slowest = max(settings.connec.timeout_s, settings.partner.timeout_s) + MAX_IN_PROCESS_WAIT_S
    return REQUESTS_PER_HOLD * slowest + LEASE_MARGIN_S


def build_handler(services: ConsumerServices, route: Route) -> RouteHandler:
    """The handler of one route, with its own clients and lease owner."""
    settings, store = services.settings, services.store
    provider = configured(settings)
    pipeline = RecordPipeline(
        entity=route.entity,
        direction=route.direction,
        provider=provider.name,
        mapper=provider.mapper,
        organizations=OrganizationLookup(store.organizations),
        guard=Guard(store.id_map, None, lease_seconds(settings)),
        id_map=store.id_map,
        targets=Targets(settings, services.gate, provider),
        faults=services.faults,
        dropped_fields=store.dropped_fields,
    )
    return RouteHandler(pipeline, provider.supports(route.entity, route.direction))


def link_back_sender(services: ConsumerServices) -> LinkBackSender:
    """A sender of the store's pending link-backs (consumers.link_backs), with its own Connec!
    sessions: it runs in its own thread."""
    targets = Targets(services.settings, services.gate, configured(services.settings))
    timeout_s = services.settings.connec.timeout_s
    return LinkBackSender(services.store.link_backs, targets.connec, timeout_s)


def consumer_parts(
    services: ConsumerServices, routes: Iterable[Route]
) -> tuple[dict[Route, RouteHandler], list[LinkBackSender]]:
    """The handlers of `routes`, and the background services the worker runs beside them: the
    link-back sender when a route applies records to the app (its creates are linked back)."""
    handlers = {route: build_handler(services, route) for route in routes}
    to_app = any(route.direction == TO_APP for route in handlers)
    return handlers, [link_back_sender(services)] if to_app else []
