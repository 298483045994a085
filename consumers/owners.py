"""Lease owners: who holds a record's lease (`host:pid:token`, one per applying thread), and
whether that holder is a process of this host that died (its lease is then free at once)."""

from __future__ import annotations

import os
import socket
import uuid


def new_owner() -> str:
    """A lease owner name unique to one thread of one process: `host:pid:token`."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str | None) -> bool:
    """Whether a lease owner (`host:pid:token`) is a process of this host that no longer runs;
    owners on other hosts are only freed by their lease's expiry."""
    host, _, rest = (owner or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
