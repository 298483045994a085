"""The raw baseline of the consumer benchmark: pika consume (prefetch 20, manual ack), `requests`
POST of the message body to the partner sandbox, ack. No envelope, store, mapping or guard.
Prints (JSON) its CPU seconds from the first record to the last, before it exits.

Run: python -m bench._raw_consumer AMQP_URL QUEUE PARTNER_URL TOKEN ACCOUNT COUNT
"""

from __future__ import annotations

import json
import sys
import time

import pika
import requests


def declare(url: str, queue: str) -> None:
    """The baseline's durable queue (a plain one: the baseline uses none of our topology)."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        connection.channel().queue_declare(queue, durable=True)
    finally:
        connection.close()


def main(argv: list[str]) -> int:
    url, queue, partner_url, token, account, count = argv
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    target = f"{partner_url}/v1/accounts/{account}/contacts"
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=20)
    first_cpu = None
    for done, (method, _properties, body) in enumerate(channel.consume(queue), start=1):
        if first_cpu is None:  # CPU per record counted from the first record, as for ours
            first_cpu = time.process_time()
        answer = session.post(
            target, data=body, headers={"Content-Type": "application/json"}, timeout=30
        )
        answer.raise_for_status()
        channel.basic_ack(method.delivery_tag)
        if done >= int(count):
            break
    print(json.dumps({"cpu_s": time.process_time() - (first_cpu or 0.0), "records": done}))
    channel.cancel()
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
