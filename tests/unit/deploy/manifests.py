"""Reading deploy/: Kubernetes documents, the compose file and the settings each one gives."""

from __future__ import annotations

import configparser
import functools
import importlib.util
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from connec_sync.settings import CONFIG_ENV, Settings

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "docker-compose.yml"
RABBITMQ = DEPLOY / "rabbitmq"

Doc = dict[str, Any]


def yaml_documents(path: Path) -> list[Doc]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [doc for doc in yaml.load_all(path.read_text(), Loader=loader) if doc is not None]


@functools.cache
def k8s_documents() -> list[Doc]:
    """Parsed once per session (PyYAML is slow); callers only read them."""
    return [
        doc
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in yaml_documents(path)
    ]


def k8s(kind: str) -> list[Doc]:
    return [doc for doc in k8s_documents() if doc["kind"] == kind]


def named(kind: str, name: str) -> Doc:
    found = [doc for doc in k8s(kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} named {name}, found {len(found)}"
    return found[0]


def pod_specs() -> Iterator[tuple[str, Doc]]:
    """(kind/name, pod spec) of every Deployment and Job."""
    for doc in k8s_documents():
        if doc["kind"] in ("Deployment", "Job"):
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def k8s_containers() -> Iterator[tuple[str, Doc]]:
    for where, spec in pod_specs():
        for container in spec["containers"]:
            yield f"{where}/{container['name']}", container


@functools.cache
def compose() -> Doc:
    [document] = yaml_documents(COMPOSE)
    return document


def compose_app_services() -> dict[str, Doc]:
    """The services that run this project's image (not RabbitMQ, not PostgreSQL)."""
    return {name: svc for name, svc in compose()["services"].items() if "build" in svc}


def argv_of(container: Doc) -> list[str]:
    words: list[Any] = container.get("args") or container.get("command") or []
    return [str(word) for word in words]


def every_argv() -> list[tuple[str, list[str]]]:
    runs = [(where, argv_of(c)) for where, c in k8s_containers()]
    runs += [(f"compose/{name}", [str(a) for a in svc["command"]])
             for name, svc in compose_app_services().items()]  # fmt: skip
    return runs


def option(argv: list[str], flag: str) -> str | None:
    return argv[argv.index(flag) + 1] if flag in argv else None


def positionals(argv: list[str]) -> list[str]:
    """The words after the subcommand, up to the first flag (`consume ENTITY ...`)."""
    words = []
    for word in argv[1:]:
        if word.startswith("-"):
            break
        words.append(word)
    return words


def config_map_toml() -> tuple[str, str]:
    """(file name, TOML text) of the settings ConfigMap."""
    [(name, text)] = named("ConfigMap", "connec-sync-config")["data"].items()
    return name, text


def secret_env() -> dict[str, str]:
    return {k: str(v) for k, v in named("Secret", "connec-sync")["stringData"].items()}


def container_env(container: Doc) -> dict[str, str]:
    return {entry["name"]: str(entry["value"]) for entry in container.get("env", [])}


def k8s_settings() -> Settings:
    _, text = config_map_toml()
    return Settings.from_mapping(tomllib.loads(text), environ=k8s_environment())


def k8s_environment() -> dict[str, str]:
    """What a consumer container sees: its Secret plus its own env (all the same for each role)."""
    _, container = next(iter(k8s_containers()))
    return secret_env() | container_env(container)


def compose_environment() -> dict[str, str]:
    [environment] = {
        repr(s["environment"]): s["environment"] for s in compose_app_services().values()
    }.values()
    return {k: str(v) for k, v in environment.items()}


def compose_config_path() -> Path:
    """The host side of the volume mounted where CONNEC_SYNC_CONFIG points."""
    target = compose_environment()[CONFIG_ENV]
    for service in compose_app_services().values():
        for volume in service["volumes"]:
            host, container, *_ = volume.split(":")
            if container == target:
                return (DEPLOY / host).resolve()
    raise AssertionError(f"no compose volume is mounted at {target}")


def compose_settings() -> Settings:
    raw = tomllib.loads(compose_config_path().read_text())
    return Settings.from_mapping(raw, environ=compose_environment())


def seconds(duration: str | int) -> int:
    """Compose durations such as `30s` or `1m30s`."""
    if isinstance(duration, int):
        return duration
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)([hms])", duration)
    assert "".join(n + u for n, u in parts) == duration, f"unsupported duration {duration}"
    return sum(int(n) * units[u] for n, u in parts)


def package_version() -> str:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return config["metadata"]["version"]


def render_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_render", DEPLOY / "render.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
