"""Write deploy/k8s/consumers.yaml: one consumer Deployment and one KEDA ScaledObject per entity.

The entities come from mappers/registry.py and the queue names from connec_sync/naming.py, so the
five near-identical manifests cannot drift apart. Run it after adding an entity or changing SCALING:

    .venv/bin/python deploy/render.py

tests/unit/deploy checks that the committed file is exactly what this writes.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from connec_sync.naming import DEFAULT_NAMESPACE, DIRECTIONS, Names
from mappers.registry import COLLECTIONS

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "deploy" / "k8s" / "consumers.yaml"
#: the port `consume --metrics-port` serves Prometheus metrics on (also its probes)
METRICS_PORT = 9100
#: SIGTERM: the consumer finishes in-flight work and exits within 10 s; this leaves headroom
GRACE_PERIOD_S = 30
#: the ConfigMap holding the settings file, the Secret holding every secret, and the KEDA auth
CONFIG_MAP, SECRET, TRIGGER_AUTH = "connec-sync-config", "connec-sync", "rabbitmq"
CONFIG_DIR, CONFIG_FILE = "/etc/connec-sync", "connec-sync.toml"


@dataclass(frozen=True)
class Scale:
    """Replicas at rest, at most, and ready messages in a live queue per replica (KEDA target)."""

    min_replicas: int = 1
    max_replicas: int = 4
    messages_per_replica: int = 200


#: per entity; invoices and payments carry most of the traffic (see docs/deploy.md)
SCALING: dict[str, Scale] = {
    "organizations": Scale(1, 4),
    "people": Scale(1, 6),
    "items": Scale(1, 4),
    "invoices": Scale(1, 12),
    "payments": Scale(1, 8),
}


def image() -> str:
    """connec-sync:<version of setup.cfg>; retarget a registry with `kustomize edit set image`."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return f"connec-sync:{config['metadata']['version']}"


def labels(entity: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "connec-sync",
        "app.kubernetes.io/component": "consumer",
        "connec-sync/entity": entity,
    }


def probe(period_s: int, failures: int) -> dict[str, Any]:
    check = {"path": "/metrics", "port": "metrics"}
    return {
        "httpGet": check,
        "periodSeconds": period_s,
        "timeoutSeconds": 5,
        "failureThreshold": failures,
    }


def container(entity: str) -> dict[str, Any]:
    return {
        "name": "consumer",
        "image": image(),
        "args": ["consume", entity, "--direction", "both", "--metrics-port", str(METRICS_PORT)],
        "env": [{"name": "CONNEC_SYNC_CONFIG", "value": f"{CONFIG_DIR}/{CONFIG_FILE}"}],
        "envFrom": [{"secretRef": {"name": SECRET}}],
        "ports": [{"name": "metrics", "containerPort": METRICS_PORT}],
        "startupProbe": probe(2, 30),
        "livenessProbe": probe(20, 3),
        "readinessProbe": probe(10, 3),
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "256Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - a private emptyDir
        ],
    }


def deployment(entity: str) -> dict[str, Any]:
    """No `replicas`: KEDA's HPA owns it (a fixed count would be reset on every apply)."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"consumer-{entity}", "labels": labels(entity)},
        "spec": {
            "selector": {"matchLabels": labels(entity)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {
                "metadata": {
                    "labels": labels(entity),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(METRICS_PORT),
                    },
                },
                "spec": {
                    "terminationGracePeriodSeconds": GRACE_PERIOD_S,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 10001,
                        "runAsGroup": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container(entity)],
                    "volumes": [
                        {"name": "config", "configMap": {"name": CONFIG_MAP}},
                        {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
                    ],
                },
            },
        },
    }


def scaled_object(entity: str, namespace: str = DEFAULT_NAMESPACE) -> dict[str, Any]:
    """One rabbitmq trigger per direction on the live lane; the HPA follows the larger one."""
    scale = SCALING.get(entity, Scale())
    triggers = [
        {
            "type": "rabbitmq",
            "metadata": {
                "protocol": "amqp",
                "mode": "QueueLength",
                "value": str(scale.messages_per_replica),
                "queueName": Names(namespace).route(entity, direction).work_queue(),
            },
            "authenticationRef": {"name": TRIGGER_AUTH},
        }
        for direction in DIRECTIONS
    ]
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": f"consumer-{entity}", "labels": labels(entity)},
        "spec": {
            "scaleTargetRef": {"name": f"consumer-{entity}"},
            "minReplicaCount": scale.min_replicas,
            "maxReplicaCount": scale.max_replicas,
            "pollingInterval": 15,
            "advanced": {
                "horizontalPodAutoscalerConfig": {
                    "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}
                }
            },
            "triggers": triggers,
        },
    }


def render() -> str:
    header = (
        "# Generated by deploy/render.py from mappers/registry.py: do not edit by hand.\n"
        "# One consumer Deployment and one KEDA ScaledObject per entity.\n"
    )
    documents = [
        doc for entity in COLLECTIONS for doc in (deployment(entity), scaled_object(entity))
    ]
    return header + yaml.safe_dump_all(documents, sort_keys=False, explicit_start=True, width=100)


def main() -> None:
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
