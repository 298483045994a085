"""One CPU per consumer process: `pin_to_free_cpu()` keeps the process's threads together on a
CPU that no other consumer process on the machine has taken.

Why: only one thread of a Python process runs Python code at a time (the GIL). A consumer's
threads hand it over at every socket read, SQLite statement and queue hand-off, some 30 times
per record. Left to the scheduler, they run on different CPUs, and each hand-off then wakes a
thread on another CPU, which costs far more than the switch itself (on a virtual machine an
inter-processor interrupt leaves the guest). Measured with `make bench` on 2 CPUs: 4.5 ms of CPU
per applied record unpinned, 3.0 ms pinned, and 1.5x the records per second.

Each process takes the first CPU of its allowed set whose slot (an exclusive `flock` on a file
per CPU, in a directory per user) is free, and holds it until it exits: the kernel releases
the lock of a process that crashed. With every slot taken (more consumer processes than CPUs)
the process is not pinned and the scheduler spreads it, as before.

Containers should not be pinned this way: each has its own /tmp, so the slots are not shared,
and every consumer container on a node would take its first CPU. The deploy configurations set
`broker.pin_cpu = false`, and a process that sees a Kubernetes pod's environment or a CPU quota
on its cgroup (a container runtime's limit) does not pin itself. There the orchestrator places
processes (in Kubernetes, a pod given a whole CPU under the static CPU manager policy gets a
cpuset of one CPU, which is the same effect).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO

#: per process, the slot file it holds (kept open: closing it frees the CPU)
_held: list[IO[str]] = []


def slot_directory() -> Path:
    return Path(tempfile.gettempdir()) / f"connec-sync-cpus-{os.getuid()}"


def pin_to_free_cpu(directory: Path | None = None, root: Path = Path("/")) -> int | None:
    """Pin every thread of this process to a free CPU and return it; None in a container (see
    the module docstring), when the process has a single CPU anyway, every CPU is taken, or
    slots cannot be kept (e.g. a read-only disk)."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2 or in_container(root, os.environ):
        return None
    directory = directory or slot_directory()
    try:
        directory.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    for cpu in allowed:
        if _take_slot(directory / f"cpu-{cpu}.lock"):
            _pin_threads(cpu)
            return cpu
    return None


def in_container(root: Path, environ: Mapping[str, str]) -> bool:
    """A Kubernetes pod's environment, or a CPU quota on the process's cgroup (cgroup v2) that
    a container runtime set. (Docker's /.dockerenv is no sign: images made into VMs keep it.)"""
    if "KUBERNETES_SERVICE_HOST" in environ:
        return True
    try:
        quota = (root / "sys/fs/cgroup/cpu.max").read_text().split()[0]
    except (OSError, IndexError):
        return False
    return quota != "max"


def _take_slot(path: Path) -> bool:
    try:
        handle = path.open("a")
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _held.append(handle)
    return True


def _pin_threads(cpu: int) -> None:
    """Every thread running now (threads started later inherit it from their creator)."""
    for task in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(task), {cpu})
        except (ProcessLookupError, PermissionError):  # a thread that just ended
            continue
