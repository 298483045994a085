"""The raw forwarder of the first-import benchmark: pika consume (prefetch 20, manual ack), a
`requests` POST of each message's body to the target path its `path` header names, ack. No
envelope, store, mapping, guard or link-back: the bodies were mapped before they were queued.
Prints its CPU seconds when done.

Run: python -m bench._raw_forwarder AMQP_URL QUEUE TARGET_URL AUTHORIZATION COUNT
"""

from __future__ import annotations

import sys
import time

import pika
import requests


def main(argv: list[str]) -> int:
    url, queue, target, authorization, count = argv
    session = requests.Session()
    session.headers.update({"Authorization": authorization, "Content-Type": "application/json"})
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=20)
    for done, (method, properties, body) in enumerate(channel.consume(queue), start=1):
        answer = session.post(target + properties.headers["path"], data=body, timeout=30)
        answer.raise_for_status()
        channel.basic_ack(method.delivery_tag)
        if done >= int(count):
            break
    channel.cancel()
    connection.close()
    print(time.process_time(), flush=True)  # its CPU seconds, for the benchmark
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
