"""What a partner app brings to connec-sync: the `Provider` its package registers
(providers/registry.py), and `PartnerApi`, the calls the consumers and the sync make to it.

Everything specific to one partner app is in its provider: its API client (auth, paths, paging,
errors as connec_sync.clients.errors classifies them), its record shapes and mapping rules per
entity (an `EntityTable` of `mappers.registry.Entity` rows, mapped by `mappers.api.Mapper`), how
its changes reach us (`push`: it sends signed events to the receiver; `poll`: `connec-sync poll`
reads what changed), what it can carry (`capabilities`), and how to run it locally (its test
double, or the real application). Nothing outside providers/registry.py names a provider.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from connec_sync.naming import DIRECTIONS
from connec_sync.settings import Settings
from mappers.api import Mapper
from mappers.registry import EntityTable

if TYPE_CHECKING:  # the API clients (and requests) are imported by the processes that call apps
    from connec_sync.clients.http import RateGate

#: change sources: the app sends signed events (receiver), or `connec-sync poll` reads it
PUSH, POLL = "push", "poll"
#: the field (True) of a changed record that connec-sync itself created in the app for a Connec!
#: record (the record keeps our create's idempotency key): the to-Connec! consumer never creates
#: a Connec! record for it while it is not linked (consumers/to_connec.py, `echo_in_flight`)
CREATED_BY_SYNC = "created_by_connec_sync"


class PartnerApi(Protocol):
    """A partner app's API as the consumers and the sync call it, by account and resource.
    Errors: connec_sync.clients.errors (RecordNotFound, Permanent/TransientTargetError)."""

    def create(
        self, account: str, resource: str, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """A new record; a repeat with the same key answers the record the first one made."""
        ...

    def update(
        self, account: str, resource: str, record_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Fields absent from `body` are unchanged; the record as it now is."""
        ...

    def get(self, account: str, resource: str, record_id: str) -> dict[str, Any]: ...

    def delete(self, account: str, resource: str, record_id: str) -> None: ...

    def pages(
        self, account: str, resource: str, updated_since: str | None = None, limit: int = 100
    ) -> Iterator[list[dict[str, Any]]]:
        """Every record changed since `updated_since` (all when None), a page at a time."""
        ...

    def close(self) -> None: ...


#: makes the provider's client for a process: its settings and its one rate gate
ClientFactory = Callable[[Settings, "RateGate"], PartnerApi]


@dataclass(frozen=True)
class ChangedPage:
    """A page of changed records (flat, as the provider's mapping reads them), and the cursor
    to keep once they are published. Only records changed before `settled_before` (the overlap
    margin) are read: newer ones are left to a later poll."""

    records: list[dict[str, Any]]
    cursor: dict[str, Any] | None


class ChangeReader(Protocol):
    """What a polled app gives the poller (`connec-sync poll`, producers/poll/)."""

    def changed(
        self,
        account: str,
        resource: str,
        cursor: dict[str, Any] | None,
        settled_before: datetime.datetime,
        limit: int,
    ) -> Iterator[ChangedPage]:
        """The records created, written or archived since `cursor` (None: all), oldest
        first, `limit` at a time; those our own creates made are marked `CREATED_BY_SYNC`."""
        ...

    def existing(self, account: str, resource: str, ids: Sequence[str]) -> set[str]:
        """Which of `ids` still exist (archived ones included): the others were deleted."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class PollTiming:
    """How a polled app is polled: seconds between two polls of an account, polls between two
    hard-delete sweeps, and the overlap margin (seconds a change waits before it is read: longer
    than a write may take to commit, or a consumer's write to the app to be recorded, plus the
    clock skew between the app's server and ours)."""

    interval_s: float
    deletes_every: int
    overlap_s: float


@dataclass(frozen=True)
class Capability:
    """What a provider carries of one entity: its directions (`to-app`, `to-connec`), whether
    it shows deletions, and why a direction or deletions are missing when they are."""

    directions: frozenset[str] = frozenset(DIRECTIONS)
    deletes_visible: bool = True
    note: str = ""


@dataclass(frozen=True)
class Provider:
    """One partner app, as registered in providers/registry.py."""

    #: the name `partner.provider` picks, and the provider of our entries in Connec! id arrays
    name: str
    #: per entity: its partner resource, record shapes and mapping rules
    entities: EntityTable
    #: its API client
    client: ClientFactory
    #: PUSH or POLL
    change_source: str
    #: {Connec! collection: Capability}; an entity not listed is not carried
    capabilities: Mapping[str, Capability]
    #: "module:callable" the demo (`connec-sync run --partner NAME`) builds with its port and
    #: accounts to run the app locally: its test double or the real application
    #: (commands/demo/partners.py says what it answers)
    local_app: str
    #: one line for `--help` texts and errors
    summary: str = field(default="", compare=False)
    #: a polled app's change reader (the same object as its client, or another)
    changes: Callable[[Settings, RateGate], ChangeReader] | None = field(
        default=None, compare=False
    )
    #: a polled app's timing, from its settings
    poll_timing: Callable[[Settings], PollTiming] | None = field(default=None, compare=False)
    #: checks its `[partner.<name>]` table, raising SettingsError naming the key; None: the
    #: provider has no options
    check_options: Callable[[Mapping[str, Any]], object] | None = field(default=None, compare=False)

    @cached_property
    def mapper(self) -> Mapper:
        """Validation and mapping of its entities."""
        return Mapper(self.entities)

    def supports(self, entity: str, direction: str) -> bool:
        """Whether records of `entity` travel in `direction` with this app."""
        capability = self.capabilities.get(entity)
        return capability is not None and direction in capability.directions

    def resource(self, entity: str) -> str:
        """The partner resource of a Connec! collection."""
        return self.entities.entity(entity).resource
