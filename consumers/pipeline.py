"""PLACEHOLDER, to be replaced by the per-entity pipeline (consumers issue, part 2).

Contract the replacement keeps: `build_handler(settings, store, route) -> Handler`, called once
per (entity, direction) by `connec-sync consume` with the process's settings and store; the
handler follows consumers.outcomes (returns Applied/Skipped, raises Skip, Rejected, Deferred,
TransientTargetError or PermanentTargetError). Build the API clients here with one shared
RateGate per process: `ConnecClient.from_settings(settings, tenant, gate)`,
`PartnerClient.from_settings(settings, gate)`.
"""

from __future__ import annotations

from typing import Any

from connec_sync.naming import Route
from connec_sync.settings import Settings
from consumers.outcomes import Handler


def build_handler(settings: Settings, store: Any, route: Route) -> Handler:
    raise NotImplementedError(
        f"no pipeline for {route.entity} {route.direction} yet (consumers/pipeline.py is a stub)"
    )
