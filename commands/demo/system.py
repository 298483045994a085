"""Starting and stopping the demo's parts, in the order records need them."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from commands.demo import settings as demo
from commands.demo.data import CUSTOMERS
from commands.demo.users import SimulatedUsers, seed
from commands.receiver import receiver_app
from connec_sync.broker import declare_all, make_publisher, open_broker
from connec_sync.broker.setup import names_for
from connec_sync.http_server import RunningServer, serve_in_thread
from connec_sync.naming import DIRECTIONS
from connec_sync.settings import Settings
from connec_sync.store import Store
from consumers.pipeline import ConsumerServices, consumer_parts
from consumers.runtime import Worker
from mappers.registry import COLLECTIONS
from producers.receiver.metrics import ReceiverMetrics
from sandboxes import connec, partner

#: webhook buffer window of the demo's sandboxes, in seconds
WINDOW_S = 0.5
#: seconds the consumers get to subscribe at start, and to finish at the stop
SUBSCRIBE_TIMEOUT_S, STOP_JOIN_S = 15, 8


@dataclass
class Demo:
    settings: Settings
    connec: Any
    partner: Any
    store: Store
    publisher: Any = None
    receiver: RunningServer | None = None
    worker: Worker | None = None
    users: SimulatedUsers | None = None
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def receiver_url(self) -> str:
        assert self.receiver is not None
        return self.receiver.url


def start(
    base: Settings, ports: tuple[int, int, int], stopping: threading.Event | None = None
) -> Demo:
    """Sandboxes, store, receiver, consumers; then seed the books and let the users work. Once
    `stopping` is set the start-up ends early: what it started is returned, for `stop(demo)`."""
    receiver_port, connec_port, partner_port = ports
    connec_side = _serve(
        connec.start, connec_port, tenants={demo.TENANT: (demo.API_ID, demo.API_KEY)}
    )
    try:
        partner_side = _serve(partner.start, partner_port, tokens=(demo.API_TOKEN,))
    except BaseException:
        connec_side.stop()
        raise
    settings = demo.demo_settings(base, connec_side.url, partner_side.url)
    demo.fresh_store_dir()
    system = Demo(settings, connec_side, partner_side, Store.open(settings.store.url))
    try:
        _start_parts(system, receiver_port, stopping or threading.Event())
    except BaseException:
        stop(system)
        raise
    return system


def _start_parts(system: Demo, receiver_port: int, stop: threading.Event) -> None:
    system.store.link_configured(system.settings.organizations)
    if stop.is_set() or not _start_pipeline(system, receiver_port, stop):
        return
    connec_side, partner_side = system.connec, system.partner
    for account, group in CUSTOMERS:
        connec_side.state.add_group(group, demo.TENANT)
        partner_side.state.add_account(account)
    connec_side.state.subscribe_receiver(system.receiver_url)
    partner_side.state.subscribe(system.receiver_url + "/app/events", demo.WEBHOOK_SECRET)
    if stop.is_set():
        return
    seed(connec_side.state, partner_side.state)
    if not stop.is_set():
        system.users = SimulatedUsers(connec_side.state, partner_side.state)
        system.users.start()


def _serve(starter: Any, port: int, **options: Any) -> Any:
    """A sandbox on its usual port, or on any free port when that one is taken."""
    try:
        return starter(port=port, window_s=WINDOW_S, **options)
    except OSError:
        return starter(port=0, window_s=WINDOW_S, **options)


def _start_pipeline(system: Demo, receiver_port: int, stop: threading.Event) -> bool:
    """Receiver and consumers; False when `stop` was set before the consumers subscribed."""
    settings = system.settings
    declare_all(settings.broker, COLLECTIONS)
    system.publisher = make_publisher(settings.broker)
    system.publisher.start()
    app = receiver_app(settings, system.store, system.publisher, ReceiverMetrics())
    try:
        system.receiver = serve_in_thread(app, port=receiver_port)
    except OSError:
        system.receiver = serve_in_thread(app, port=0)
    names = names_for(settings.broker)
    routes = [names.route(entity, direction) for entity in COLLECTIONS for direction in DIRECTIONS]
    handlers, background = consumer_parts(ConsumerServices(settings, system.store), routes)
    broker = open_broker(settings.broker, COLLECTIONS)
    system.worker = Worker(settings.broker, handlers, broker=broker, background=background)
    thread = threading.Thread(target=system.worker.run, name="consumers", daemon=True)
    thread.start()
    system.threads.append(thread)
    deadline = time.monotonic() + SUBSCRIBE_TIMEOUT_S
    while not system.worker.ready.wait(0.05):
        if stop.is_set():
            return False
        if time.monotonic() > deadline:
            raise RuntimeError("the demo's consumers did not subscribe to the broker")
    return True


def stop(system: Demo) -> None:
    """Users first, then the consumers finish what they hold, then the servers."""
    if system.users:
        system.users.stop()
    if system.worker:
        system.worker.stop()
    for thread in system.threads:
        thread.join(STOP_JOIN_S)
    if system.receiver:
        system.receiver.stop()
    if system.publisher:
        system.publisher.close()
    system.connec.stop()
    system.partner.stop()
    system.store.close()
