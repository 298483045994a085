"""The raw baseline for the receiver benchmark: a bare WSGI app that parses the body and publishes
each record with pika and windowed confirms (one connection per server thread), served by the
same gunicorn setup as the receiver. No auth, no envelope, no store, no metrics.

Run: python -m bench.baseline_receiver --config FILE --port PORT
"""

from __future__ import annotations

import argparse
import json
import threading
import uuid
from typing import Any

import pika

from connec_sync.naming import Names
from connec_sync.settings import Settings
from producers.gunicorn_app import ReceiverServer

PROPERTIES = pika.BasicProperties(content_type="application/json", delivery_mode=2)


class WindowedChannel:
    """Publish a batch without waiting, then wait once for every confirm."""

    def __init__(self, url: str) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()._impl  # the asynchronous channel underneath
        self.sent = self.confirmed = 0
        self.failed = False
        self.channel.add_on_return_callback(self._on_return)
        self.channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_select)
        self.selected = False
        self.connection._flush_output(lambda: self.selected)  # pika's own wait-for-condition

    def _on_select(self, _frame: Any) -> None:
        self.selected = True

    def _on_return(self, *_args: Any) -> None:
        self.failed = True

    def _on_confirm(self, frame: Any) -> None:
        self.failed |= isinstance(frame.method, pika.spec.Basic.Nack)
        self.confirmed = frame.method.delivery_tag

    def publish(self, exchange: str, bodies: list[tuple[str, bytes]]) -> bool:
        self.failed = False
        for routing_key, body in bodies:
            self.channel.basic_publish(exchange, routing_key, body, PROPERTIES, mandatory=True)
            self.sent += 1
        self.connection._flush_output(lambda: self.confirmed >= self.sent)
        return not self.failed


def build_app(settings: Settings) -> tuple[Any, list[Any]]:
    exchange = Names(settings.broker.namespace).work_exchange
    local = threading.local()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/readyz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b"{}"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length))
        bodies = [
            (
                f"{collection}.to-app",
                json.dumps({"id": uuid.uuid4().hex, "record": record}).encode(),
            )
            for collection, records in body.items()
            for record in records
        ]
        if not hasattr(local, "channel"):
            local.channel = WindowedChannel(settings.broker.url)
        ok = local.channel.publish(exchange, bodies)
        start_response(
            "200 OK" if ok else "503 Service Unavailable", [("Content-Type", "application/json")]
        )
        return [json.dumps({"published": len(bodies)}).encode()]

    return app, []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = Settings.from_file(args.config)
    binds = [f"127.0.0.1:{args.port}"]
    ReceiverServer(settings, build_app, binds=binds, workers=settings.receiver.workers).run()


if __name__ == "__main__":
    main()
