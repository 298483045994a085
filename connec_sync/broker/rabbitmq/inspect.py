"""What AMQP does not tell (unacked counts; the cluster's nodes and each queue's leader and
members): from the management API if configured, else from `rabbitmqctl` when the broker runs
on this machine (it asks the node RABBITMQ_NODENAME names, as rabbitmqctl does); otherwise
they are reported as unknown."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

from connec_sync.broker.messages import ClusterView, Placement
from connec_sync.settings import BrokerSettings
from connec_sync.subprocesses import run_bounded

T = TypeVar("T")
#: seconds a status query may wait on rabbitmqctl or the management API
INSPECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class QueueFigures:
    ready: int
    unacked: int
    consumers: int


def queue_figures(settings: BrokerSettings) -> dict[str, QueueFigures] | None:
    """Per queue name of the broker's vhost; None when neither source is available."""
    return _ask(settings, _from_management, _from_rabbitmqctl)


def cluster_view(settings: BrokerSettings) -> ClusterView | None:
    """The cluster's nodes and each queue's placement; None when neither source is available."""
    return _ask(settings, _view_from_management, _view_from_rabbitmqctl)


def _ask(
    settings: BrokerSettings,
    management: Callable[[str, str], T],
    local: Callable[[str], T],
) -> T | None:
    """The management API's answer if configured, else rabbitmqctl's on a local broker."""
    vhost = _vhost(settings)
    try:
        if settings.management_url:
            return management(settings.management_url, vhost)
        if _broker_is_local(settings.urls[0]) and shutil.which("rabbitmqctl"):
            return local(vhost)
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        return None
    return None


def _vhost(settings: BrokerSettings) -> str:
    return unquote(urlsplit(settings.urls[0]).path.lstrip("/")) or "/"


def _placements(rows: list[dict[str, Any]]) -> dict[str, Placement]:
    """Quorum queues only: a classic queue has no members."""
    return {
        row["name"]: Placement(row.get("leader") or None, tuple(sorted(row.get("members") or ())))
        for row in rows
        if row.get("members")
    }


def _view_from_rabbitmqctl(vhost: str) -> ClusterView:
    status = json.loads(_rabbitmqctl("cluster_status", "--formatter", "json"))
    nodes = sorted({*status.get("disk_nodes", []), *status.get("ram_nodes", [])})
    rows = json.loads(
        _rabbitmqctl(
            "list_queues", "-q", "--formatter", "json", "-p", vhost, "name", "leader", "members"
        )
        or "[]"
    )
    return ClusterView(tuple(nodes), _placements(rows))


def _rabbitmqctl(*arguments: str) -> str:
    """rabbitmqctl's output. In a process group of its own, killed whole on timeout: Debian's
    wrapper `su`s to rabbitmq, and the Erlang VM it starts would outlive a plain
    `subprocess.run` timeout."""
    command = ["rabbitmqctl", *arguments]
    done = run_bounded(command, INSPECT_TIMEOUT_S, capture_output=True, text=True, check=True)
    return str(done.stdout)


def _view_from_management(base_url: str, vhost: str) -> ClusterView:
    nodes = [row["name"] for row in _management_get(base_url, "/api/nodes")]
    rows = _management_get(base_url, f"/api/queues/{quote(vhost, safe='')}")
    return ClusterView(tuple(sorted(nodes)), _placements(rows))


def _broker_is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def _from_rabbitmqctl(vhost: str) -> dict[str, QueueFigures]:
    columns = ("name", "messages_ready", "messages_unacknowledged", "consumers")
    out = _rabbitmqctl("list_queues", "-q", "--formatter", "json", "-p", vhost, *columns)
    rows = json.loads(out or "[]")
    return {
        row["name"]: QueueFigures(
            int(row["messages_ready"]), int(row["messages_unacknowledged"]), int(row["consumers"])
        )
        for row in rows
    }


def _from_management(base_url: str, vhost: str) -> dict[str, QueueFigures]:
    rows = _management_get(base_url, f"/api/queues/{quote(vhost, safe='')}")
    return {
        row["name"]: QueueFigures(
            int(row.get("messages_ready", 0)),
            int(row.get("messages_unacknowledged", 0)),
            int(row.get("consumers", 0)),
        )
        for row in rows
    }


def _management_get(base_url: str, path: str) -> Any:
    parts = urlsplit(base_url)
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
    request = urllib.request.Request(base + path)  # noqa: S310 - the operator's http(s) URL
    if parts.username:
        token = base64.b64encode(
            f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        )
        request.add_header("Authorization", f"Basic {token.decode()}")
    with urllib.request.urlopen(request, timeout=INSPECT_TIMEOUT_S) as answer:  # noqa: S310
        return json.load(answer)
