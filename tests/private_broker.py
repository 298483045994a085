"""A test-owned RabbitMQ node on its own ports, so tests may stop, block or kill it.

The shared broker is never touched: this node has its own Erlang port mapper (ERL_EPMD_PORT),
node name, AMQP and distribution ports, data and log directories. One node per test session
(`private_broker` fixture); each fault method undoes itself or has an inverse.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import resources

#: seconds to wait for the node to boot (it takes ~10 s on two cores)
BOOT_TIMEOUT_S = 120
#: a disk-free limit no test machine reaches: raises the disk alarm, blocking publishers
ALARM_DISK_LIMIT = "1000GB"
NORMAL_DISK_LIMIT = "50MB"


def _tool(name: str) -> str:
    """The tool itself, not Debian's wrapper, which would `su rabbitmq` and reset HOME."""
    direct = Path("/usr/lib/rabbitmq/bin") / name
    return str(direct) if direct.exists() else name


#: ports a private node may take: below the kernel's ephemeral range (32768-60999 on Linux),
#: which every outgoing connection on the machine draws from, so that no client socket takes
#: a port between our check and the node's bind (seen as `dist_port_already_used`)
PRIVATE_PORTS = range(20000, 32000)
#: the services' own ports, never handed out
SERVICE_PORTS = {25672, 27017}


def free_port(rng: random.Random | None = None) -> int:
    """A loopback port nothing listens on, outside the ephemeral range (PRIVATE_PORTS), drawn
    with `rng` (a seeded run's own) or the system's randomness."""
    rng = rng or random.SystemRandom()
    while True:
        port = rng.choice(PRIVATE_PORTS)
        if port in SERVICE_PORTS:
            continue
        with contextlib.closing(socket.socket()) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


@dataclass
class PrivateBroker:
    """One private node; `url` is its AMQP URL (guest may connect over loopback)."""

    base: Path
    name: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:8]}@localhost")
    amqp_port: int = field(default_factory=free_port)
    dist_port: int = field(default_factory=free_port)
    epmd_port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/%2F"

    @property
    def pid_file(self) -> Path:
        return self.base / "rabbit.pid"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env |= {
            "HOME": str(self.base),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.pid_file),
        }
        return env

    def config(self) -> str:
        """The node's rabbitmq.conf."""
        return "loopback_users = none\n"

    def start(self) -> None:
        resources.made(resources.NODE, self.name)
        (self.base / "rabbitmq.conf").write_text(self.config())
        (self.base / "enabled_plugins").write_text("[].\n")
        subprocess.run([_tool("rabbitmq-server"), "-detached"], env=self.environment(), check=True)
        self.ctl(
            "wait",
            str(self.pid_file),
            "--timeout",
            str(BOOT_TIMEOUT_S),
            timeout=BOOT_TIMEOUT_S + 10,
        )

    def ctl(self, *arguments: str, timeout: float = 60) -> str:
        command = [_tool("rabbitmqctl"), "-n", self.name, *arguments]
        done = subprocess.run(
            command, env=self.environment(), capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip() or done.stdout}")
        return done.stdout

    def stop_app(self) -> None:
        """The node stays up but refuses AMQP: clients see a dead broker."""
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.ctl("await_startup")

    def raise_disk_alarm(self) -> None:
        """Block every publishing connection, as a full disk does."""
        self.ctl("set_disk_free_limit", ALARM_DISK_LIMIT)

    def clear_disk_alarm(self) -> None:
        self.ctl("set_disk_free_limit", NORMAL_DISK_LIMIT)

    def beam_pid(self) -> int | None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            return int(self.pid_file.read_text().strip())
        return None

    def beam_running(self) -> bool:
        pid = self.beam_pid()
        return pid is not None and _alive(pid)

    def kill9(self) -> None:
        """`kill -9` the Erlang VM: no clean shutdown, unflushed state lost as in a crash."""
        pid = self.beam_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not _alive(pid), timeout=15)
        self.pid_file.unlink(missing_ok=True)

    def stop(self) -> None:
        """Stop the node, then kill what is left (the Erlang VM and its port mapper)."""
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.ctl("stop", str(self.pid_file), timeout=30)
        self._kill_leftovers()

    def _kill_leftovers(self) -> None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            pid = int(self.pid_file.read_text().strip())
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        # the node's own epmd, recognised by the node name in its environment
        for environ in Path("/proc").glob("[0-9]*/environ"):
            with contextlib.suppress(OSError, ValueError, ProcessLookupError):
                if f"RABBITMQ_NODENAME={self.name}".encode() in environ.read_bytes().split(b"\0"):
                    os.kill(int(environ.parent.name), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        return state != "Z"
    return False


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    """Poll `predicate` until it is true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@contextlib.contextmanager
def running_private_broker() -> Iterator[PrivateBroker]:
    if shutil.which("rabbitmq-server") is None:
        pytest.skip("rabbitmq-server is not installed: no private broker node")
    base = Path(tempfile.mkdtemp(prefix="private-rabbit-"))
    broker = PrivateBroker(base)
    try:
        broker.start()
        yield broker
    finally:
        broker.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def private_broker() -> Iterator[PrivateBroker]:
    """One private RabbitMQ node for the session; tests must undo the faults they cause."""
    with running_private_broker() as broker:
        yield broker
