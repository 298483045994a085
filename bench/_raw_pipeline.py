"""The raw consumer of the latency benchmark (bench/latency.py): pika consume (prefetch 20,
manual ack) of the records the raw receiver (bench/baseline_receiver.py) published, the partner
body made from the record (`first_name`, `last_name`), `requests` POST to the partner sandbox,
ack. No envelope, store, guard or link-back. Runs until SIGTERM.

Run: python -m bench._raw_pipeline AMQP_URL QUEUE PARTNER_URL TOKEN ACCOUNT
"""

from __future__ import annotations

import json
import signal
import sys
from typing import Any

import pika
import requests


def main(argv: list[str]) -> int:
    url, queue, partner_url, token, account = argv
    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    target = f"{partner_url}/v1/accounts/{account}/contacts"
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=20)
    for method, _properties, body in channel.consume(queue, inactivity_timeout=0.2):
        if stopping:
            break
        if method is None:
            continue
        answer = session.post(target, json=_partner_body(json.loads(body)), timeout=30)
        answer.raise_for_status()
        channel.basic_ack(method.delivery_tag)
    channel.cancel()
    connection.close()
    return 0


def _partner_body(message: dict[str, Any]) -> dict[str, Any]:
    record = message["record"]
    return {"first_name": record["first_name"], "last_name": record["last_name"]}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
