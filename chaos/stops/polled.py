"""`connec-sync poll` in the stop stress test: the poller of a polled partner app, stopped again
and again. Tryton is the only polled provider, so the run starts one real Tryton server
(providers.tryton.server, from the cached template: about a minute the first time) or is given
the test session's; the poller reaches it through a fault proxy (chaos.proxy), which makes it a
slow partner for the `busy` moment.

Each poll re-reads what the account holds: after every stop the poll cursors are cleared, so
the next start pages through the seeded organizations again (page_size 5: a poll is many
requests, and a SIGTERM lands while records are read and published). After a graceful stop no
poll lease may be left held (a left lease keeps every other poller off the account until it
runs out); after a stop that ended the process at once (a second SIGTERM) the lease is cleared,
as its running out would.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chaos.proxy import FaultProxy
from chaos.stops.driver import Stop
from connec_sync.clients.http import RateGate
from connec_sync.settings import Settings
from providers.registry import configured
from providers.tryton.server import TrytonServer

if TYPE_CHECKING:
    from chaos.stops.targets import Bench

#: organizations seeded in the polled account (pages of 5: 6 pages a pass)
SEEDED = 30
#: the partner's latency per chunk each way while it is slow (`busy`)
SLOW_S = 0.5
CONFIG = """
[broker]
url = "memory://"
[store]
url = "{store_url}"
[sync]
page_size = 5
[connec.tenants.default]
api_id = "id"
api_key = "key"
[partner]
provider = "tryton"
base_url = "http://127.0.0.1:{proxy_port}"
api_token = "{api_key}"
timeout_s = 30
[partner.tryton]
company = {company}
overlap_s = 0
[[organizations]]
tenant = "default"
group_id = "cld-stops"
account = "{account}"
entities = {{ organizations = "to-connec", people = "to-connec", items = "to-connec" }}
"""


@dataclass
class PolledApp:
    """A Tryton server (started here, or given), a fault proxy before it, the poller's config
    and store in the run directory, and seeded organizations to read."""

    run_dir: Path
    server: TrytonServer | None = None
    proxy: FaultProxy | None = None
    own_server: bool = False
    seeded: list[str] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.run_dir / "poll.toml"

    @property
    def store(self) -> Path:
        return self.run_dir / "poll.db"

    def start(self) -> PolledApp:
        if self.server is None:
            self.server, self.own_server = TrytonServer(databases=("stops",)).start(), True
        host, port = self.server.url.removeprefix("http://").split(":")
        self.proxy = FaultProxy(host, int(port)).start()
        self.config.write_text(
            CONFIG.format(
                store_url=f"sqlite:///{self.store}",
                proxy_port=self.proxy.port,
                api_key=self.server.api_key,
                company=self.server.facts["company"],
                account=self.server.databases[0],
            )
        )
        self._seed()
        return self

    def _seed(self) -> None:
        settings = Settings.from_file(self.config)
        partner = configured(settings).client(settings, RateGate())
        account = settings.organizations[0].account
        try:
            for n in range(SEEDED):
                name = f"Stop {n} {uuid.uuid4().hex[:8]}"
                partner.create(account, "organizations", {"name": name}, uuid.uuid4().hex)
                self.seeded.append(name)
        finally:
            partner.close()

    def slow(self, on: bool) -> None:
        assert self.proxy is not None
        self.proxy.set_mode("latency" if on else "pass", SLOW_S if on else 0.0)

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self.own_server and self.server is not None:
            self.server.stop()


def arguments(bench: Bench) -> list[str]:
    return ["--config", str(_app(bench).config), "poll", "--every", "1s"]


def slow_partner(bench: Bench, _process: object) -> Callable[[], None]:
    """Tryton answers late, and the next round reads every record again, page by page."""
    app = _app(bench)
    app.slow(True)
    _cleared(app.store, leases=False)
    return lambda: app.slow(False)


def leases_left(bench: Bench, stop: Stop) -> str:
    """A graceful stop leaves no poll lease held. Then the cursors and any lease are cleared,
    so that the next start reads every record again."""
    held = _cleared(_app(bench).store, leases=True)
    if held and stop.status == 0:
        return f"poll leases left held after a graceful stop: {held}"
    return ""


def _cleared(path: Path, leases: bool) -> list[str]:
    """Clear the poll cursors (and the leases): the holders of the leases there were."""
    from sqlalchemy import create_engine, text

    if not path.exists():
        return []
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
    try:
        with engine.begin() as conn:
            held = [row[0] for row in conn.execute(text("SELECT holder FROM poll_leases"))]
            conn.execute(text("DELETE FROM poll_state"))
            if leases:
                conn.execute(text("DELETE FROM poll_leases"))
    except Exception:  # noqa: BLE001 - a store stopped before its tables were made
        return []
    finally:
        engine.dispose()
    return held


def _app(bench: Bench) -> PolledApp:
    if bench.polled is None:
        raise RuntimeError("the poll target needs the bench's polled app (Bench.with_polled)")
    return bench.polled
