"""Dead letters as an operator sees them: moved from the dead-letter queues into the store, then
listed, replayed through the normal pipeline exactly once, or purged.

Collection takes each message with a manual ack, keeps it in the store, and only then acks it: a
crash in between leaves the message in its queue, and taking it again stores nothing new (rows
are unique by a fingerprint of body and headers).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from connec_sync.broker import (
    Broker,
    Message,
    Publisher,
    PublishFailed,
    TakenMessage,
    make_publisher,
    open_broker,
)
from connec_sync.broker.headers import (
    ATTEMPTS,
    DEATHS,
    DELIVERY_COUNT,
    ERROR,
    FIRST_FAILURE,
    LANE,
    LAST_FAILURE,
    reason_of,
)
from connec_sync.broker.setup import names_for, queue_specs
from connec_sync.naming import Route
from connec_sync.settings import BrokerSettings
from connec_sync.store import DeadLetter
from mappers.registry import COLLECTIONS
from schemas.envelope import Envelope, UndecodableMessage, decode

#: most dead letters taken from the queues per call, so a command or a page view stays quick
COLLECT_LIMIT = 1000
#: header of a replayed message naming the dead letter it replays
REPLAY_OF = "x-replay-of"
#: headers that change when the broker redelivers the same message: not part of its fingerprint
REDELIVERY_HEADERS = (DELIVERY_COUNT,)
#: publish failures after which the message certainly is not in a queue: the claim is undone
NOT_STORED = ("unreachable", "blocked", "closed", "nacked", "unroutable")


@dataclass(frozen=True)
class Collection:
    taken: int  #: messages taken from the dead-letter queues (redelivered ones included)
    stored: int  #: new rows in the store
    limit_reached: bool  #: more may be waiting: collect again


def collect_dead_letters(
    settings: BrokerSettings, store: Any, broker: Broker | None = None, limit: int = COLLECT_LIMIT
) -> Collection:
    """Move up to `limit` dead letters from every dead-letter queue into `store.dead_letters`.
    Raises BrokerUnavailable when the broker cannot be reached."""
    own = broker is None
    broker = broker or open_broker(settings, COLLECTIONS)
    taken, stored = 0, [0]

    def keep(route: Route, message: TakenMessage) -> None:
        stored[0] += bool(store.dead_letters.add(**dead_letter_row(route, message)))

    try:
        for spec in queue_specs(settings, COLLECTIONS):
            if spec.role == "dead" and spec.route is not None and taken < limit:
                taken += broker.take(spec.name, partial(keep, spec.route), limit - taken)
    finally:
        if own:
            broker.close()
    return Collection(taken, stored[0], taken >= limit)


def dead_letter_row(route: Route, message: TakenMessage) -> dict[str, Any]:
    """The store row of one dead letter taken from `route`'s dead-letter queue."""
    headers = message.headers
    envelope = _envelope(message.body)
    deaths = headers.get(DEATHS) or [{}]
    return {
        "fingerprint": fingerprint(message),
        "message_id": message.message_id or (envelope or {}).get("message_id"),
        "entity": route.entity,
        "direction": route.direction,
        "reason": reason_of(headers),
        "error": headers.get(ERROR),
        "attempts": _integer(headers.get(ATTEMPTS, headers.get(DELIVERY_COUNT))),
        "first_failure": _moment(headers.get(FIRST_FAILURE)),
        "last_failure": _moment(headers.get(LAST_FAILURE)) or _moment(deaths[0].get("time")),
        "lane": headers.get(LANE) or _lane_of(deaths[0].get("queue")),
        "headers": plain(headers),
        "envelope": envelope,
        "body": None if envelope is not None else message.body.decode(errors="replace"),
    }


def fingerprint(message: TakenMessage) -> str:
    headers = {k: v for k, v in message.headers.items() if k not in REDELIVERY_HEADERS}
    digest = hashlib.sha256(message.body)
    digest.update(json.dumps(plain(headers), sort_keys=True).encode())
    return digest.hexdigest()


def plain(value: Any) -> Any:
    """Headers as JSON values (AMQP tables may hold bytes and timestamps)."""
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _envelope(body: bytes) -> dict[str, Any] | None:
    """The envelope as the store keeps it (its wire form), None when the body is not one."""
    try:
        return decode(body).to_json()
    except UndecodableMessage:
        return None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _integer(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _lane_of(queue: Any) -> str | None:
    if not queue:
        return None
    name = queue.decode() if isinstance(queue, bytes) else str(queue)
    return "backfill" if name.endswith(".backfill") else "live"


@dataclass
class ReplayReport:
    replayed: list[int] = field(default_factory=list)
    #: (id, why) of the dead letters left alone
    refused: list[tuple[int, str]] = field(default_factory=list)
    #: ids whose publish may or may not have reached the broker: left "replaying"
    stuck: list[int] = field(default_factory=list)
    error: str | None = None


def replay_message(broker: BrokerSettings, letter: DeadLetter) -> Message:
    """The dead letter's envelope as a fresh message (attempts 0, origin "replay") for the live
    lane of its route; raises UndecodableMessage when what the store kept is not an envelope."""
    envelope = Envelope.from_json(letter.envelope).replayed()
    return envelope.message(names_for(broker), headers={REPLAY_OF: letter.id})


def replay(
    broker: BrokerSettings,
    store: Any,
    letters: list[DeadLetter],
    include_stuck: bool = False,
    publisher_for: Callable[[BrokerSettings], Publisher] = make_publisher,
) -> ReplayReport:
    """Publish each dead letter once, with a confirm: claimed first, marked replayed after."""
    report = ReplayReport()
    publisher = publisher_for(broker)
    try:
        for letter in letters:
            if not _replay_one(broker, store, publisher, letter, include_stuck, report):
                break
    finally:
        publisher.close()
    return report


def _replay_one(
    broker: BrokerSettings,
    store: Any,
    publisher: Publisher,
    letter: DeadLetter,
    include_stuck: bool,
    report: ReplayReport,
) -> bool:
    """Replay one dead letter into `report`; False when the broker failed (stop there)."""
    if letter.envelope is None:
        report.refused.append((letter.id, "undecodable: it has no envelope to replay"))
        return True
    try:
        message = replay_message(broker, letter)
    except UndecodableMessage as error:
        report.refused.append((letter.id, f"undecodable: {error}"))
        return True
    if not store.dead_letters.claim(letter.id, include_stuck=include_stuck):
        report.refused.append((letter.id, "already replayed or being replayed"))
        return True
    try:
        publisher.publish_batch([message])
    except PublishFailed as error:
        if error.reason in NOT_STORED:
            store.dead_letters.release(letter.id)
        else:
            report.stuck.append(letter.id)
        report.error = str(error)
        return False
    store.dead_letters.mark_replayed(letter.id)
    report.replayed.append(letter.id)
    return True
