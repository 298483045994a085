"""The receiver: Connec! notifications and partner events into RabbitMQ, acknowledged when safe.

`create_app` (producers/receiver/app.py) is imported when first asked for: the receiver's gunicorn
master imports this package's metrics module only, and stays free of the app's modules (falcon,
the broker, the entities), which only its workers need (commands/receiver_server.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from producers.receiver.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name != "create_app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from producers.receiver.app import create_app

    return create_app
