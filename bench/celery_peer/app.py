"""The Celery peer (benchmark only; the `bench` extra): the same to-app pipeline as one Celery
task, configured the way a careful team runs Celery on RabbitMQ:

- `task_acks_late` and `task_reject_on_worker_lost`: a message is acked only once its task
  returned, and one whose worker died is given back to the queue, not lost;
- `worker_prefetch_multiplier = 1`: one unacked message per pool process;
- `broker_transport_options = {"confirm_publish": True}`: publisher confirms, so a task the
  broker did not take raises in the producer;
- a quorum queue (`task_default_queue_type`), as our lanes are; `task_ignore_result` (no result
  backend); JSON only;
- transient target errors (5xx, timeouts, 429) retried with backoff (`autoretry_for`).

Started as `celery -A bench.celery_peer.app worker -P prefork -c N -Q $PEER_QUEUE`, with
PEER_BROKER_URL, PEER_QUEUE and PEER_CONFIG (a connec-sync configuration file: the store,
both APIs and the organization) in the environment. Each pool process opens the pipeline
(bench/celery_peer/pipeline.py) once, at its start."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init, worker_process_shutdown

from bench.celery_peer.pipeline import PeerPipeline
from connec_sync.clients.errors import TransientTargetError
from connec_sync.settings import Settings

QUEUE = os.environ.get("PEER_QUEUE", "peer.people.to-app")

app = Celery("connec_sync_peer", broker=os.environ.get("PEER_BROKER_URL", "amqp://"))
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_transport_options={"confirm_publish": True},
    task_default_queue=QUEUE,
    task_default_queue_type="quorum",
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

_pipelines: list[PeerPipeline] = []


@worker_process_init.connect
def _open_pipeline(**_: Any) -> None:
    _pipelines.append(PeerPipeline.from_settings(Settings.from_file(os.environ["PEER_CONFIG"])))


@worker_process_shutdown.connect
def _close_pipeline(**_: Any) -> None:
    while _pipelines:
        _pipelines.pop().close()


@app.task(
    name="peer.apply_to_app",
    autoretry_for=(TransientTargetError,),
    retry_backoff=True,
    max_retries=5,
)
def apply_to_app(body: str) -> str:
    """One to-app message (our envelope, as JSON text) applied; `created` or `updated`."""
    return _pipelines[0].apply(body)
