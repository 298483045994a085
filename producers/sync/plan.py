"""What one sync run of an organization reads: its mode, and per step since when.

A step is one entity read from one side: `to-connec` reads the partner app, `to-app` reads
Connec!. Steps run partner side first, then Connec! side, each in dependency order, so that on a
first sync Connec!'s smart merge can match records that already exist on both sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connec_sync.naming import TO_APP, TO_CONNEC
from mappers.registry import COLLECTIONS

FIRST, INCREMENTAL, FULL, SINCE = "first", "incremental", "full", "since"
#: the side read first: the partner app, then Connec!
DIRECTION_ORDER = (TO_CONNEC, TO_APP)


@dataclass(frozen=True)
class Step:
    entity: str
    direction: str
    #: read records changed after this moment; None reads everything
    since: datetime | None


@dataclass(frozen=True)
class Plan:
    mode: str
    steps: tuple[Step, ...]

    @property
    def since(self) -> str | None:
        """The earliest `since` of the steps (what the run row records); None if any reads all."""
        moments = [step.since for step in self.steps]
        if not moments or any(m is None for m in moments):
            return None
        return iso_micro(min(m for m in moments if m is not None))


@dataclass(frozen=True)
class Request:
    """What the operator asked for: `entities` (empty: all), `full`, or an explicit `since`."""

    entities: tuple[str, ...] = ()
    full: bool = False
    since: datetime | None = None


def plan_run(
    organization: Any, past_runs: Sequence[Any], request: Request, margin_s: float
) -> Plan:
    """The run's plan. `past_runs` are the organization's earlier runs, newest first; a step
    reads from the start of the last successful run that covered it, minus `margin_s`."""
    succeeded = [run for run in past_runs if run.state == "succeeded"]
    mode = _mode(request, succeeded)
    steps = []
    for direction, entity in _ordered(organization, request.entities):
        since = request.since
        if mode == INCREMENTAL:
            since = _last_covered(succeeded, entity, direction, margin_s)
        steps.append(Step(entity, direction, None if mode in (FIRST, FULL) else since))
    return Plan(mode, tuple(steps))


def _mode(request: Request, succeeded: Sequence[Any]) -> str:
    if request.full:
        return FULL
    if request.since is not None:
        return SINCE
    return INCREMENTAL if succeeded else FIRST


def _ordered(organization: Any, entities: Iterable[str]) -> list[tuple[str, str]]:
    wanted = set(entities) or set(COLLECTIONS)
    return [
        (direction, entity)
        for direction in DIRECTION_ORDER
        for entity in COLLECTIONS
        if entity in wanted and organization.allows(entity, direction)
    ]


def _last_covered(
    succeeded: Sequence[Any], entity: str, direction: str, margin_s: float
) -> datetime | None:
    """Start of the newest successful run that read this step, minus the margin; None: never."""
    for run in succeeded:
        if direction in (run.counts or {}).get(entity, {}):
            return run.started_at - timedelta(seconds=margin_s)
    return None


def parse_timestamp(text: str) -> datetime:
    """An ISO-8601 timestamp (`Z` or an offset; naive is UTC); raises ValueError."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso_micro(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def connec_filter(since: datetime | None) -> str | None:
    """Connec!'s `$filter` for records changed after `since`. Connec! keeps whole seconds, so
    `since` is rounded down and one second taken off (the filter is `gt`): a record stamped in
    that second is read again, never missed."""
    if since is None:
        return None
    whole = since.astimezone(UTC).replace(microsecond=0) - timedelta(seconds=1)
    return f"updated_at gt '{whole.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
