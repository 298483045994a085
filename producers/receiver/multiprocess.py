"""Where the receiver's processes write their metrics: prometheus-client's multiprocess mode,
switched on in the gunicorn master without importing prometheus-client there (its workers
import it after the fork, with the directory already in their environment)."""

from __future__ import annotations

import os
import sys

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def enable_multiprocess(directory: str) -> None:
    """Make metrics created from now on (in this process and its forks) write to `directory`.

    prometheus-client picks its value class when first imported, which another command module
    may already have done: then it is set again rather than depend on import order."""
    os.environ[MULTIPROCESS_ENV] = directory
    values = sys.modules.get("prometheus_client.values")
    if values is not None:
        values.ValueClass = values.MultiProcessValue()  # type: ignore[attr-defined]
