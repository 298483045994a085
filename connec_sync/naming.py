"""Every broker name derives from (namespace, entity, direction) here, and only here.

The namespace (setting `broker.namespace`, default "connec-sync") lets several deployments,
or several tests, share one broker without touching each other's queues.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the two directions a record travels
TO_APP = "to-app"
TO_CONNEC = "to-connec"
DIRECTIONS = (TO_APP, TO_CONNEC)
#: live notifications are served before backfill (sync) traffic: two lanes per route
LIVE, BACKFILL = "live", "backfill"
LANES = (LIVE, BACKFILL)
DEFAULT_NAMESPACE = "connec-sync"


@dataclass(frozen=True)
class Names:
    """The exchanges of one deployment."""

    namespace: str = DEFAULT_NAMESPACE

    @property
    def work_exchange(self) -> str:
        """Direct exchange every producer publishes to; key `<entity>.<direction>[.backfill]`."""
        return f"{self.namespace}.work"

    @property
    def retry_exchange(self) -> str:
        """Direct exchange of the delay tiers; routing key `<entity>.<direction>.<delay>s`."""
        return f"{self.namespace}.retry"

    @property
    def dead_letter_exchange(self) -> str:
        """Direct exchange of dead letters (quorum delivery limit and consumers' verdicts)."""
        return f"{self.namespace}.dead"

    def route(self, entity: str, direction: str) -> Route:
        return Route(self.namespace, entity, direction)


@dataclass(frozen=True)
class Route:
    """The queues and routing keys of one (entity, direction)."""

    namespace: str
    entity: str
    direction: str

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {self.direction!r}")

    def routing_key(self, lane: str = LIVE) -> str:
        base = f"{self.entity}.{self.direction}"
        return base if lane == LIVE else f"{base}.{lane}"

    def work_queue(self, lane: str = LIVE) -> str:
        base = f"{self.namespace}.{self.entity}.{self.direction}"
        return base if lane == LIVE else f"{base}.{lane}"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.work_queue()}.dead"

    def retry_queue(self, delay_s: int) -> str:
        return f"{self.work_queue()}.retry.{delay_s}s"

    def retry_key(self, delay_s: int) -> str:
        return f"{self.routing_key()}.{delay_s}s"


def direction_for(source: str) -> str:
    """Records from Connec! travel to the app, and records from the app travel to Connec!."""
    return TO_APP if source == "connec" else TO_CONNEC
