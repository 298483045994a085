"""Unacked counts, which AMQP does not tell: from the management API if configured, else from
`rabbitmqctl` when the broker runs on this machine; otherwise they are reported as unknown."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from connec_sync.settings import BrokerSettings

#: seconds a status query may wait on rabbitmqctl or the management API
INSPECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class QueueFigures:
    ready: int
    unacked: int
    consumers: int


def queue_figures(settings: BrokerSettings) -> dict[str, QueueFigures] | None:
    """Per queue name of the broker's vhost; None when neither source is available."""
    vhost = unquote(urlsplit(settings.urls[0]).path.lstrip("/")) or "/"
    try:
        if settings.management_url:
            return _from_management(settings.management_url, vhost)
        if _broker_is_local(settings.urls[0]) and shutil.which("rabbitmqctl"):
            return _from_rabbitmqctl(vhost)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    return None


def _broker_is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def _from_rabbitmqctl(vhost: str) -> dict[str, QueueFigures]:
    command = ["rabbitmqctl", "list_queues", "-q", "--formatter", "json", "-p", vhost]
    command += ["name", "messages_ready", "messages_unacknowledged", "consumers"]
    done = subprocess.run(  # noqa: S603 - fixed command, no shell
        command, capture_output=True, text=True, timeout=INSPECT_TIMEOUT_S, check=True
    )
    rows = json.loads(done.stdout or "[]")
    return {
        row["name"]: QueueFigures(
            int(row["messages_ready"]), int(row["messages_unacknowledged"]), int(row["consumers"])
        )
        for row in rows
    }


def _from_management(base_url: str, vhost: str) -> dict[str, QueueFigures]:
    parts = urlsplit(base_url)
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
    url = f"{base}/api/queues/{quote(vhost, safe='')}"
    request = urllib.request.Request(url)  # noqa: S310 - the operator's configured http(s) URL
    if parts.username:
        token = base64.b64encode(
            f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        )
        request.add_header("Authorization", f"Basic {token.decode()}")
    with urllib.request.urlopen(request, timeout=INSPECT_TIMEOUT_S) as answer:  # noqa: S310
        rows = json.load(answer)
    return {
        row["name"]: QueueFigures(
            int(row.get("messages_ready", 0)),
            int(row.get("messages_unacknowledged", 0)),
            int(row.get("consumers", 0)),
        )
        for row in rows
    }
