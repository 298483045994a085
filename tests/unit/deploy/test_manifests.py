"""deploy/: every manifest parses, each entity has its consumer everywhere, and the image, the
commands, the settings and the queue names agree with the code that runs them."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from commands import build_parser
from connec_sync.naming import DIRECTIONS, Names
from connec_sync.settings import CONFIG_ENV, ENV_PREFIX, Settings
from mappers.registry import COLLECTIONS
from tests.unit.deploy import manifests as m

IMAGE = f"connec-sync:{m.package_version()}"
#: sections an environment override can name ([[organizations]] has none)
SETTINGS_SECTIONS = tuple(f.name for f in fields(Settings) if f.name != "organizations")


def subcommands() -> set[str]:
    parser = build_parser()
    [commands] = [a for a in parser._actions if a.dest == "command"]  # noqa: SLF001
    return set(commands.choices or ())


def directions_served(argv: list[str]) -> tuple[str, ...]:
    direction = m.option(argv, "--direction") or "both"
    return DIRECTIONS if direction == "both" else (direction,)


def test_every_yaml_and_json_file_under_deploy_parses() -> None:
    files = sorted(m.DEPLOY.rglob("*.y*ml")) + sorted(m.DEPLOY.rglob("*.json"))
    assert len(files) >= 8
    for path in files:
        parsed = (
            m.yaml_documents(path) if path.suffix != ".json" else [json.loads(path.read_text())]
        )
        assert parsed, f"{path} is empty"


def test_the_committed_consumer_manifests_are_exactly_what_render_writes() -> None:
    render = m.render_module()
    assert render.OUTPUT.read_text() == render.render(), "run .venv/bin/python deploy/render.py"


def test_kustomization_applies_every_manifest_of_the_folder() -> None:
    kustomization = yaml.safe_load((m.K8S / "kustomization.yaml").read_text())
    files = {p.name for p in m.K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    assert kustomization["namespace"] == m.named("Namespace", "connec-sync")["metadata"]["name"]


@pytest.mark.parametrize("entity", COLLECTIONS)
def test_every_entity_has_a_deployment_a_scaled_object_and_a_compose_service(entity: str) -> None:
    deployment = m.named("Deployment", f"consumer-{entity}")
    scaled = m.named("ScaledObject", f"consumer-{entity}")
    assert scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    argv = m.argv_of(container)
    assert argv[0] == "consume" and m.positionals(argv) == [entity]
    service = m.compose_app_services()[f"consumer-{entity}"]
    assert service["command"] == argv
    assert service["deploy"]["replicas"] >= 1


def test_no_consumer_serves_an_entity_the_registry_does_not_know() -> None:
    served = [m.positionals(argv) for _, argv in m.every_argv() if argv[0] == "consume"]
    assert {e for entities in served for e in entities} == set(COLLECTIONS)


def test_every_command_in_the_manifests_is_one_the_cli_parses() -> None:
    runs = m.every_argv()
    used = {argv[0] for _, argv in runs}
    missing = used - subcommands()
    assert not missing, f"manifests run commands the CLI does not have (yet): {sorted(missing)}"
    parser = build_parser()
    for where, argv in runs:
        try:
            parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{where}: `connec-sync {' '.join(argv)}` does not parse")


def test_kubernetes_passes_arguments_and_keeps_the_image_entrypoint() -> None:
    for where, container in m.k8s_containers():
        assert "command" not in container, f"{where} replaces the connec-sync entrypoint"
        assert container["args"], where


def test_one_image_runs_every_role_tagged_with_the_package_version() -> None:
    images = {c["image"] for _, c in m.k8s_containers()}
    images |= {svc["image"] for svc in m.compose_app_services().values()}
    assert images == {IMAGE}
    builds = {json.dumps(svc["build"]) for svc in m.compose_app_services().values()}
    assert builds == {json.dumps({"context": "..", "dockerfile": "deploy/Dockerfile"})}


def test_every_role_gets_the_same_settings_file_and_secret() -> None:
    envs = {json.dumps([c.get("env"), c.get("envFrom")]) for _, c in m.k8s_containers()}
    assert len(envs) == 1, "roles read different settings"
    mounts = {json.dumps(c["volumeMounts"][0]) for _, c in m.k8s_containers()}
    assert len(mounts) == 1


@pytest.mark.parametrize(
    "where, load, environ",
    [
        ("kubernetes", m.k8s_settings, m.k8s_environment),
        ("compose", m.compose_settings, m.compose_environment),
    ],
)
def test_the_settings_load_and_every_override_names_a_real_settings_key(
    where: str, load: Callable[[], Settings], environ: Callable[[], dict[str, str]]
) -> None:
    settings = load()
    assert isinstance(settings, Settings)
    assert settings.store.url.startswith("postgresql+psycopg://"), where
    assert settings.broker.url.startswith("amqp://"), where
    for name in environ():
        assert name.startswith(ENV_PREFIX), f"{where}: {name} is not a connec-sync setting"
        rest = name[len(ENV_PREFIX) :].lower()
        known = name == CONFIG_ENV or any(rest.startswith(s + "_") for s in SETTINGS_SECTIONS)
        assert known, f"{where}: {name} names no settings section and would be ignored"


def test_the_settings_file_is_mounted_where_connec_sync_config_points() -> None:
    file_name, _ = m.config_map_toml()
    for where, spec in m.pod_specs():
        [config] = [v for v in spec["volumes"] if v["name"] == "config"]
        assert config["configMap"]["name"] == "connec-sync-config", where
        for container in spec["containers"]:
            [mount] = [v for v in container["volumeMounts"] if v["name"] == "config"]
            expected = f"{mount['mountPath']}/{file_name}"
            assert m.container_env(container)[CONFIG_ENV] == expected, where
    assert m.compose_config_path().is_file()


def test_the_config_map_holds_no_secret() -> None:
    _, text = m.config_map_toml()
    raw = tomllib.loads(text)
    assert "tenants" not in raw.get("connec", {})
    assert not {"api_token", "webhook_secrets"} & set(raw.get("partner", {}))
    assert "url" not in raw.get("broker", {}) and "url" not in raw.get("store", {})
    secret_keys = set(m.secret_env())
    assert {
        "CONNEC_SYNC_BROKER_URL",
        "CONNEC_SYNC_STORE_URL",
        "CONNEC_SYNC_PARTNER_API_TOKEN",
    } <= secret_keys


def test_the_receiver_listens_on_the_configured_port_and_is_probed_on_its_health_endpoints() -> (
    None
):
    settings = m.k8s_settings()
    assert settings.receiver.host == "0.0.0.0" and m.compose_settings().receiver.host == "0.0.0.0"
    [container] = m.named("Deployment", "receiver")["spec"]["template"]["spec"]["containers"]
    [port] = [p for p in container["ports"] if p["name"] == "http"]
    assert port["containerPort"] == settings.receiver.port
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port["name"]}
    [service_port] = m.named("Service", "receiver")["spec"]["ports"]
    assert service_port["targetPort"] == port["name"]
    compose_ports = m.compose_app_services()["receiver"]["ports"]
    assert compose_ports[0] == (
        f"{m.compose_settings().receiver.port}:{m.compose_settings().receiver.port}"
    )


def test_the_operator_port_is_never_exposed_publicly_and_asks_for_a_password() -> None:
    settings = m.k8s_settings()
    [container] = m.named("Deployment", "receiver")["spec"]["template"]["spec"]["containers"]
    [operator] = [p for p in container["ports"] if p["name"] == "operator"]
    assert operator["containerPort"] == settings.receiver.operator_bind_port
    assert [p["targetPort"] for p in m.named("Service", "receiver")["spec"]["ports"]] == ["http"]
    internal = m.named("Service", "receiver-operator")["spec"]
    assert internal["type"] == "ClusterIP" and internal["ports"][0]["targetPort"] == "operator"
    assert "CONNEC_SYNC_RECEIVER_OPERATOR_PASSWORD" in m.secret_env()
    compose = m.compose_settings().receiver
    assert compose.operator_password and compose.operator_host == "0.0.0.0"  # noqa: S104
    published = m.compose_app_services()["receiver"]["ports"][1:]
    assert published == [f"127.0.0.1:{compose.operator_bind_port}:{compose.operator_bind_port}"]


def test_the_receiver_service_and_disruption_budget_select_the_receiver_pods() -> None:
    deployment = m.named("Deployment", "receiver")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = m.named("Service", "receiver")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    budget = m.named("PodDisruptionBudget", "receiver")
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert 1 <= budget["spec"]["minAvailable"] < deployment["spec"]["replicas"]


@pytest.mark.parametrize("entity", COLLECTIONS)
def test_consumers_are_probed_on_their_metrics_port_and_given_time_to_finish_in_flight_work(
    entity: str,
) -> None:
    spec = m.named("Deployment", f"consumer-{entity}")["spec"]["template"]["spec"]
    assert spec["terminationGracePeriodSeconds"] >= 15
    [container] = spec["containers"]
    [port] = container["ports"]
    assert str(port["containerPort"]) == m.option(m.argv_of(container), "--metrics-port")
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["port"] == port["name"]
    service = m.compose_app_services()[f"consumer-{entity}"]
    assert m.seconds(service["stop_grace_period"]) >= 15


@pytest.mark.parametrize("entity", COLLECTIONS)
def test_keda_scales_each_entity_on_the_live_queues_its_deployment_serves(entity: str) -> None:
    namespace = m.k8s_settings().broker.namespace
    [container] = m.named("Deployment", f"consumer-{entity}")["spec"]["template"]["spec"][
        "containers"
    ]
    scaled = m.named("ScaledObject", f"consumer-{entity}")["spec"]
    queues = {t["metadata"]["queueName"] for t in scaled["triggers"]}
    served = directions_served(m.argv_of(container))
    assert queues == {Names(namespace).route(entity, d).work_queue() for d in served}
    assert {t["type"] for t in scaled["triggers"]} == {"rabbitmq"}
    assert 1 <= scaled["minReplicaCount"] <= scaled["maxReplicaCount"]
    auth = {t["authenticationRef"]["name"] for t in scaled["triggers"]}
    assert auth == {m.named("TriggerAuthentication", "rabbitmq")["metadata"]["name"]}


def test_keda_reads_queue_depths_with_the_broker_url_of_the_secret() -> None:
    [ref] = m.named("TriggerAuthentication", "rabbitmq")["spec"]["secretTargetRef"]
    assert ref == {"parameter": "host", "name": "connec-sync", "key": "CONNEC_SYNC_BROKER_URL"}


def test_the_migrate_job_runs_the_migrate_command_once_with_retries() -> None:
    job = m.named("Job", "connec-sync-migrate")
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("OnFailure", "Never")
    assert m.compose_app_services()["migrate"]["command"] == ["migrate"]


def test_pods_run_as_the_image_s_non_root_user() -> None:
    for where, spec in m.pod_specs():
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] != 0, where


def test_the_sandboxes_run_only_under_the_sandbox_profile() -> None:
    services = m.compose()["services"]
    sandboxes = {name for name, svc in services.items() if svc.get("profiles")}
    assert sandboxes == {"sandbox-connec", "sandbox-partner"}
    for name in sandboxes:
        assert services[name]["profiles"] == ["sandbox"]
        assert services[name]["command"][:2] == ["sandbox", name.removeprefix("sandbox-")]


def test_the_compose_settings_point_at_the_sandboxes_ports() -> None:
    settings = m.compose_settings()
    services = m.compose()["services"]
    for name, base_url in (
        ("connec", settings.connec.base_url),
        ("partner", settings.partner.base_url),
    ):
        argv = services[f"sandbox-{name}"]["command"]
        assert base_url == f"http://sandbox-{name}:{m.option(argv, '--port')}"


def test_the_deploy_guide_exists_beside_the_files_it_describes() -> None:
    guide = (m.ROOT / "docs" / "deploy.md").read_text()
    for path in ("deploy/Dockerfile", "deploy/docker-compose.yml", "deploy/render.py"):
        assert path in guide and Path(m.ROOT / path).exists()
