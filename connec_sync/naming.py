"""Every broker name derives from (entity, direction) here, and only here."""

from __future__ import annotations

from dataclasses import dataclass

#: the two directions a record travels
TO_APP = "to-app"
TO_CONNEC = "to-connec"
DIRECTIONS = (TO_APP, TO_CONNEC)

#: the exchange every producer publishes to (direct, routing key = "<entity>.<direction>")
WORK_EXCHANGE = "connec-sync.work"
#: the exchange that quorum queues dead-letter into, and consumers publish dead letters to
DEAD_LETTER_EXCHANGE = "connec-sync.dead"
#: the exchange retry tiers are published to (routing key = "<entity>.<direction>.<delay>s")
RETRY_EXCHANGE = "connec-sync.retry"
#: priority lanes: live traffic is served before backfill (sync) traffic
LIVE, BACKFILL = "live", "backfill"


@dataclass(frozen=True)
class Route:
    """The queues and keys of one (entity, direction)."""

    entity: str
    direction: str

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {self.direction!r}")

    @property
    def routing_key(self) -> str:
        return f"{self.entity}.{self.direction}"

    @property
    def work_queue(self) -> str:
        return f"connec-sync.{self.entity}.{self.direction}"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.work_queue}.dead"

    def retry_queue(self, delay_s: int) -> str:
        return f"{self.work_queue}.retry.{delay_s}s"

    def retry_key(self, delay_s: int) -> str:
        return f"{self.routing_key}.{delay_s}s"


def source_of(direction: str) -> str:
    """Which side a message in this direction comes from: to-app records come from Connec!."""
    return "connec" if direction == TO_APP else "app"


def direction_from(source: str) -> str:
    return TO_APP if source == "connec" else TO_CONNEC


def backfill_key(route: Route) -> str:
    """Sync (backfill) traffic has its own lane so live notifications are served first."""
    return f"{route.routing_key}.{BACKFILL}"


def backfill_queue(route: Route) -> str:
    return f"{route.work_queue}.{BACKFILL}"
