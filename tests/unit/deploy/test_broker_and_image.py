"""RabbitMQ definitions and configuration, and the Dockerfile, agree with the code they serve.

The definitions were also loaded into a real RabbitMQ 3.10.8 node, followed by
`connec-sync topology` twice, when they were written; these tests keep them consistent since."""

from __future__ import annotations

import base64
import configparser
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from connec_sync.broker.setup import names_for, queue_specs
from connec_sync.broker.topology import exchanges
from connec_sync.settings import Settings
from mappers.registry import COLLECTIONS
from tests.unit.deploy import manifests as m

DEFINITIONS: dict[str, Any] = json.loads((m.RABBITMQ / "definitions.json").read_text())
DOCKERFILE = (m.DEPLOY / "Dockerfile").read_text()


def rabbitmq_conf() -> dict[str, str]:
    lines = (m.RABBITMQ / "rabbitmq.conf").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {key.strip(): value.strip() for key, value in pairs}


def test_policies_never_contradict_the_queue_arguments_the_code_declares() -> None:
    specs = queue_specs(m.k8s_settings().broker, COLLECTIONS)
    for policy in DEFINITIONS["policies"]:
        assert policy["apply-to"] == "queues", policy["name"]
        matched = [s for s in specs if re.search(policy["pattern"], s.name)]
        assert matched, f"policy {policy['name']} matches no queue of the topology"
        for spec in matched:
            for key, value in policy["definition"].items():
                declared = spec.arguments.get(f"x-{key}", value)
                assert declared == value, (
                    f"{policy['name']}: {key}={value} but {spec.name} declares {declared}"
                )


def test_every_queue_gets_a_length_cap_that_rejects_publishes_instead_of_dropping() -> None:
    specs = queue_specs(m.k8s_settings().broker, COLLECTIONS)
    for spec in specs:
        policies = [p for p in DEFINITIONS["policies"] if re.search(p["pattern"], spec.name)]
        applied = max(policies, key=lambda p: p["priority"])
        assert applied["definition"]["overflow"] == "reject-publish", spec.name
        assert applied["definition"]["max-length"] > 0, spec.name
    dead = [s for s in specs if s.role == "dead"]
    dead_policy = max(
        (p for p in DEFINITIONS["policies"] if re.search(p["pattern"], dead[0].name)),
        key=lambda p: p["priority"],
    )
    assert all(re.search(dead_policy["pattern"], s.name) for s in dead)
    assert not any(re.search(dead_policy["pattern"], s.name) for s in specs if s.role != "dead")


def test_the_definitions_declare_no_queue_or_binding_and_exactly_the_code_s_exchanges() -> None:
    assert DEFINITIONS["queues"] == [] and DEFINITIONS["bindings"] == []
    names = names_for(m.k8s_settings().broker)
    declared = {e["name"]: e for e in DEFINITIONS["exchanges"]}
    assert set(declared) == set(exchanges(names))
    for exchange in declared.values():
        assert exchange["type"] == "direct" and exchange["durable"] is True
        assert exchange["auto_delete"] is False and exchange["internal"] is False
        assert exchange["arguments"] == {}


@pytest.mark.parametrize(
    "where, load", [("kubernetes", m.k8s_settings), ("compose", m.compose_settings)]
)
def test_the_broker_urls_name_the_defined_vhost_and_a_user_allowed_there(
    where: str, load: Callable[[], Settings]
) -> None:
    parts = urlsplit(load().broker.url)
    vhost, user = unquote(parts.path.lstrip("/")), parts.username
    assert vhost in {v["name"] for v in DEFINITIONS["vhosts"]}, where
    assert user in {u["name"] for u in DEFINITIONS["users"]}, where
    grants = [p for p in DEFINITIONS["permissions"] if (p["user"], p["vhost"]) == (user, vhost)]
    assert grants and all(grants[0][k] == ".*" for k in ("configure", "write", "read")), where
    for policy in DEFINITIONS["policies"] + DEFINITIONS["exchanges"]:
        assert policy["vhost"] == vhost


def test_the_compose_password_is_the_one_the_definitions_hash() -> None:
    parts = urlsplit(m.compose_settings().broker.url)
    [user] = [u for u in DEFINITIONS["users"] if u["name"] == parts.username]
    assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    stored = base64.b64decode(user["password_hash"])
    salt, digest = stored[:4], stored[4:]
    assert hashlib.sha256(salt + (parts.password or "").encode()).digest() == digest


def test_rabbitmq_loads_the_definitions_from_where_compose_mounts_them() -> None:
    conf = rabbitmq_conf()
    rabbitmq = m.compose()["services"]["rabbitmq"]
    mounts = dict(volume.split(":")[:2] for volume in rabbitmq["volumes"])
    assert mounts["./rabbitmq/definitions.json"] == conf["load_definitions"]
    assert mounts["./rabbitmq/rabbitmq.conf"].startswith("/etc/rabbitmq/conf.d/")
    assert rabbitmq["image"] == "rabbitmq:3.10-management"


def test_rabbitmq_keeps_the_consumer_timeout_and_blocks_publishers_before_the_disk_fills() -> None:
    conf = rabbitmq_conf()
    assert int(conf["consumer_timeout"]) >= 30 * 60 * 1000
    assert "disk_free_limit.absolute" in conf
    assert conf["queue_leader_locator"] == "balanced"


def dockerfile_stages() -> list[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [
        line.strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")
    ]
    stages: list[list[str]] = []
    for line in lines:
        if line.startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_the_dockerfile_builds_a_wheel_and_runs_the_cli_as_a_non_root_user() -> None:
    build, runtime = dockerfile_stages()
    assert build[0] == "FROM python:3.11-slim AS build" and runtime[0] == "FROM python:3.11-slim"
    assert any(line.startswith("RUN pip wheel") for line in build)
    assert any(
        "pip install --no-index --find-links=/wheels connec-sync" in line for line in runtime
    )
    [user] = [line.split()[1] for line in runtime if line.startswith("USER ")]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    pods = {spec["securityContext"]["runAsUser"] for _, spec in m.pod_specs()}
    assert pods == {int(uid)}
    assert 'ENTRYPOINT ["connec-sync"]' in runtime


def test_the_image_copies_every_package_setup_cfg_installs_and_the_context_allows_them() -> None:
    config = configparser.ConfigParser()
    config.read(m.ROOT / "setup.cfg")
    packages = {p.strip().rstrip("*") for p in config["options.packages.find"]["include"].split()}
    build = dockerfile_stages()[0]
    copied = {word for line in build if line.startswith("COPY ") for word in line.split()[1:-1]}
    assert packages <= copied
    assert {"setup.cfg", "pyproject.toml", "README.md"} <= copied  # README: long_description
    ignore = (m.DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert {f"!{path}" for path in copied} <= set(ignore)
