"""What the receiver's processes import (README "Receiver memory"): gunicorn forks the workers
from the master, so what the master imports is resident in each of them. The master imports
neither the webhooks' modules nor the broker client; a worker neither SQLAlchemy, nor `requests`,
nor kombu, until an operator page is asked for."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from commands.receiver_server import arguments

CONFIG = """
[broker]
url = "amqp://guest:guest@127.0.0.1:1/%2F"
namespace = "imports"
[store]
url = "sqlite:///{store}"
[connec.tenants.default]
api_id = "someone"
api_key = "secret"
"""

PROBE = """
import json, sys
from connec_sync.settings import Settings
import commands.receiver_server as server
import producers.gunicorn_app

HEAVY = ("sqlalchemy", "requests", "kombu", "amqp", "waitress", "falcon", "pika",
         "prometheus_client", "mappers", "providers")

def loaded():
    return sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))

master = loaded()
app, closables = server._build_worker_app(Settings.from_file(sys.argv[1]))
worker = loaded()
for closable in closables:
    closable.close()
print(json.dumps({"master": master, "worker": worker}))
"""


def test_the_master_and_its_workers_import_only_what_they_serve_with(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(store=tmp_path / "store.db"))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["master"] == []
    assert set(loaded["worker"]) == {"falcon", "pika", "prometheus_client", "mappers", "providers"}


def test_the_master_is_started_with_the_commands_options() -> None:
    args = argparse.Namespace(
        config="/etc/sync.toml", log_level="warning", host=None, port=8080, operator_port=None
    )
    args.workers = 3
    assert arguments(args) == [
        *("--config", "/etc/sync.toml", "--log-level", "warning"),
        *("--port", "8080", "--workers", "3"),
    ]
