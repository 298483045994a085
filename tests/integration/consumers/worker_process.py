"""A consumer process for tests, run as
`python -m tests.integration.consumers.worker_process URL NAMESPACE JOURNAL SECONDS_PER_RECORD`:
consumes people to-app with a pipeline that sleeps, writing `started <id>` and `applied <id>`
lines to JOURNAL; stops on SIGTERM like `connec-sync consume`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from connec_sync import logs
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings
from consumers.outcomes import Applied
from consumers.runtime import Worker, run_until_signalled
from schemas.envelope import Envelope


def main(argv: list[str]) -> int:
    url, namespace, journal, seconds = argv
    settings = BrokerSettings(url=url, namespace=namespace, retry_delays_s=(1, 2))
    route = Names(namespace).route("people", "to-app")

    def handle(envelope: Envelope) -> Applied:
        record_id = envelope.record["id"]
        _note(journal, f"started {record_id}")
        time.sleep(float(seconds))
        _note(journal, f"applied {record_id}")
        return Applied()

    logs.configure("info", json_lines=True)
    return run_until_signalled(Worker(settings, {route: handle}))


def _note(journal: str, line: str) -> None:
    with Path(journal).open("a") as handle:
        handle.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
