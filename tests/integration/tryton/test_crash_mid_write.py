"""A consumer that dies between Tryton's answer and its own commit (the crash point
`after_write_before_ack`: the record is in Tryton, the id map does not know it) leaves exactly
one record in Tryton once another consumer has taken the redelivered message: every create
keeps a key of ours from the Connec! id that a repeated create searches for first. The invoice
has no transaction number, so nothing else (type, party, reference) could match it.

The broker is a private node of this module's own: a `consume` process declares every
collection's queues, which the shared broker is better spared."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connec_sync.broker import declare_all, open_broker
from connec_sync.crash import CRASH_EXIT, ENV
from connec_sync.naming import TO_APP, Names
from connec_sync.settings import BrokerSettings
from mappers.registry import COLLECTIONS
from sandboxes import testing
from tests.integration.pipeline.support import consumer_settings_head, publish, wait
from tests.integration.tryton.world import DATABASE, TrytonWorld, connec_id, world
from tests.private_broker import PrivateBroker, running_private_broker
from tests.processes import Spawn
from tests.system import connec_envelope

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
ROOT = Path(__file__).parents[3]


@pytest.fixture
def tryton_world(tryton, sqlite_store_url) -> Iterator[TrytonWorld]:
    with world(tryton, sqlite_store_url) as running:
        yield running


@pytest.fixture(scope="module")
def private_node() -> Iterator[PrivateBroker]:
    """This module's own node: its stop is part of the module's last test (and its timeout),
    not of whichever test ends the session."""
    with running_private_broker() as node:
        yield node


@pytest.fixture
def broker_settings(private_node: PrivateBroker) -> Iterator[BrokerSettings]:
    settings = BrokerSettings(url=private_node.url, namespace=f"crash-{uuid.uuid4().hex[:8]}")
    declare_all(settings, COLLECTIONS)
    yield settings
    with open_broker(settings, COLLECTIONS) as broker:
        broker.delete_topology()


def consumer_config(tryton_world: TrytonWorld, broker: Any, path: Path) -> Path:
    settings, partner = tryton_world.settings, tryton_world.settings.partner
    head = consumer_settings_head(broker, settings.store.url, settings.connec.base_url)
    path.write_text(
        f"""{head}
[partner]
provider = "tryton"
base_url = "{partner.base_url}"
api_token = "{partner.api_token}"
timeout_s = 60
[partner.tryton]
company = {partner.options["tryton"]["company"]}
[[organizations]]
tenant = "{testing.TENANT}"
group_id = "{testing.GROUP_ID}"
account = "{DATABASE}"
entities = {{organizations = "both", items = "both", invoices = "both"}}
"""
    )
    return path


def start_consumer(spawn: Spawn, config: Path, entity: str, **env: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "commands", "--config", str(config), "consume", entity]
    environ = {"PATH": "/usr/bin:/bin", **env}
    with (config.parent / "consumer.log").open("ab") as log:
        command += ["--direction", TO_APP]
        return spawn(command, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)


def crash_then_recover(
    tryton_world: TrytonWorld, broker: Any, spawn: Spawn, tmp_path: Path, entity: str, record: dict
) -> str:
    """Publish the record's envelope; a consumer crashes right after writing it to Tryton,
    another takes it over; the Tryton id it ends linked to."""
    config = consumer_config(tryton_world, broker, tmp_path / "consumer.toml")
    envelope = dataclasses.replace(connec_envelope(entity, record), account=DATABASE)
    publish(broker, Names(broker.namespace).route(entity, TO_APP), [envelope])
    crashing = start_consumer(spawn, config, entity, **{ENV: "after_write_before_ack:1"})
    assert crashing.wait(90) == CRASH_EXIT, (tmp_path / "consumer.log").read_text()
    organization = tryton_world.organization.id

    def linked() -> Any:
        link = tryton_world.store.id_map.find(organization, entity, connec_id=connec_id(record))
        return link if link and link.partner_id and link.to_app_version else None

    assert linked() is None  # the crash came before the commit that links the record
    survivor = start_consumer(spawn, config, entity)
    try:
        wait(linked, timeout_s=90, what=f"the {entity} linked by the second consumer")
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(15)
    return str(linked().partner_id)


def test_an_invoice_without_a_number_is_created_once_across_a_crash_after_the_write(
    tryton_world, books, broker_settings, spawn, tmp_path
):
    company, party = tryton_world.customer(books.unique("Crash Customer"))
    invoice = tryton_world.repairs_invoice(books, company, "AUTHORISED")
    assert not invoice.get("transaction_number")

    number = crash_then_recover(tryton_world, broker_settings, spawn, tmp_path, "invoices", invoice)

    made = books.client.search(DATABASE, "account.invoice", [("party", "=", party)], ["state"])
    assert made == [{**made[0], "id": int(number), "state": "posted"}]


def test_an_organization_is_created_once_across_a_crash_after_the_write(
    tryton_world, books, broker_settings, spawn, tmp_path
):
    name = books.unique("Crash Org")
    company = tryton_world.in_connec("organizations", id=books.unique("o"), name=name)

    party = crash_then_recover(
        tryton_world, broker_settings, spawn, tmp_path, "organizations", company
    )

    found = books.client.search(
        DATABASE, "party.party", [("name", "=", name), ("active", "in", [True, False])], ["id"]
    )
    assert found == [{**found[0], "id": int(party)}]
