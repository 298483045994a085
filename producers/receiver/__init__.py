"""The receiver: Connec! notifications and partner events into RabbitMQ, acknowledged when safe."""

from producers.receiver.app import create_app

__all__ = ["create_app"]
