"""Starting and stopping the demo's parts, in the order records need them."""

from __future__ import annotations

import importlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from commands.demo import settings as demo
from commands.demo.data import CUSTOMERS
from commands.demo.users import SimulatedUsers
from commands.receiver import receiver_apps
from connec_sync.broker import declare_all, make_publisher, open_broker
from connec_sync.broker.setup import names_for
from connec_sync.clients.http import RateGate
from connec_sync.http_server import RunningServer, serve_in_thread
from connec_sync.naming import DIRECTIONS
from connec_sync.settings import Settings
from connec_sync.store import Store
from consumers.pipeline import ConsumerServices, consumer_parts
from consumers.runtime import Worker
from mappers.registry import COLLECTIONS
from producers.poll.poller import Poller
from producers.receiver.metrics import ReceiverMetrics
from producers.sync.schedule import run_every
from providers.interface import POLL, Provider
from sandboxes import connec

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
    operator_pages: RunningServer | None = None
    worker: Worker | None = None
    poller: Poller | None = None
    users: SimulatedUsers | None = None
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def receiver_url(self) -> str:
        assert self.receiver is not None
        return self.receiver.url

    @property
    def operator_url(self) -> str:
        assert self.operator_pages is not None
        return self.operator_pages.url


def local_app(provider: Provider, port: int, accounts: tuple[str, ...]) -> Any:
    """The provider's app run locally (its `local_app`, commands.demo.partners)."""
    module, _, name = provider.local_app.partition(":")
    return getattr(importlib.import_module(module), name)(port, accounts)


def start(
    base: Settings,
    ports: tuple[int, int, int, int],
    provider: Provider,
    stopping: threading.Event | None = None,
) -> Demo:
    """The Connec! sandbox, the provider's local app, store, receiver, consumers (and the
    poller of a polled app); then seed the books and let the users work. `ports`: the
    receiver's webhooks, its operator pages, the Connec! sandbox and the partner app. Once
    `stopping` is set the start-up ends early: what it started is returned, for `stop(demo)`."""
    receiver_port, operator_port, connec_port, partner_port = ports
    connec_side = _serve(
        connec.start, connec_port, tenants={demo.TENANT: (demo.API_ID, demo.API_KEY)}
    )
    try:
        partner_side = local_app(provider, partner_port, tuple(a for a, _ in CUSTOMERS))
    except BaseException:
        connec_side.stop()
        raise
    partner = partner_side.partner_settings(provider.name)
    settings = demo.demo_settings(base, connec_side.url, partner)
    demo.fresh_store_dir()
    system = Demo(settings, connec_side, partner_side, Store.open(settings.store.url))
    try:
        stop_event = stopping or threading.Event()
        _start_parts(system, (receiver_port, operator_port), provider, stop_event)
    except BaseException:
        stop(system)
        raise
    return system


def _start_parts(
    system: Demo, ports: tuple[int, int], provider: Provider, stop: threading.Event
) -> None:
    system.store.link_configured(system.settings.organizations)
    if stop.is_set() or not _start_pipeline(system, ports, stop):
        return
    if provider.change_source == POLL:
        _start_poller(system, provider)
    connec_side, partner_side = system.connec, system.partner
    for _account, group in CUSTOMERS:
        connec_side.state.add_group(group, demo.TENANT)
    connec_side.state.subscribe_receiver(system.receiver_url)
    partner_side.connect(system.receiver_url)
    if stop.is_set():
        return
    partner_side.seed(connec_side.state)
    if not stop.is_set():
        system.users = SimulatedUsers(connec_side.state, partner_side)
        system.users.start()


def _serve(starter: Any, port: int, **options: Any) -> Any:
    """A sandbox on its usual port, or on any free port when that one is taken."""
    try:
        return starter(port=port, window_s=WINDOW_S, **options)
    except OSError:
        return starter(port=0, window_s=WINDOW_S, **options)


def _start_pipeline(system: Demo, ports: tuple[int, int], stop: threading.Event) -> bool:
    """Receiver (webhook and operator ports) and consumers; False when `stop` was set before
    the consumers subscribed."""
    settings = system.settings
    declare_all(settings.broker, COLLECTIONS)
    system.publisher = make_publisher(settings.broker)
    system.publisher.start()
    receiver_port, operator_port = ports
    webhooks, operators = receiver_apps(settings, system.store, system.publisher, ReceiverMetrics())
    system.receiver = _serve_app(webhooks, "127.0.0.1", receiver_port)
    system.operator_pages = _serve_app(operators, settings.receiver.operator_host, operator_port)
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


def _start_poller(system: Demo, provider: Provider) -> None:
    """The poller of an app that sends no events, polling every poll interval."""
    settings = system.settings
    assert provider.changes is not None and provider.poll_timing is not None
    timing = provider.poll_timing(settings)
    reader = provider.changes(settings, RateGate())
    names = names_for(settings.broker)
    poller = Poller(system.store, system.publisher, reader, provider, names, timing)
    system.poller = poller
    arguments = (timing.interval_s, 0.1, system.poller.poll_all, system.poller.stop)
    thread = threading.Thread(target=run_every, args=arguments, name="poller", daemon=True)
    thread.start()
    system.threads.append(thread)


def _serve_app(app: Any, host: str, port: int) -> RunningServer:
    """On its usual port, or on any free port when that one is taken."""
    try:
        return serve_in_thread(app, host=host, port=port)
    except OSError:
        return serve_in_thread(app, host=host, port=0)


def stop(system: Demo) -> None:
    """Users first, then the poller and the consumers finish what they hold, then the servers."""
    if system.users:
        system.users.stop()
    if system.poller:
        system.poller.stop.set()
    if system.worker:
        system.worker.stop()
    for thread in system.threads:
        thread.join(STOP_JOIN_S)
    if system.poller:
        system.poller.reader.close()
    for server in (system.receiver, system.operator_pages):
        if server:
            server.stop()
    if system.publisher:
        system.publisher.close()
    system.connec.stop()
    system.partner.stop()
    system.store.close()
