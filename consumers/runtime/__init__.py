"""The worker framework of a consumer process, apart from the sync rules it runs: the loop over
a broker consumer (worker.py), the applying threads (applying.py), settling a verdict through
the delivery (settling.py) and choosing its delay tier (retries.py), the line per message
(reporting.py), one CPU per process (affinity.py), and the start-up's objects kept out of the
garbage collector's full collections (collecting.py)."""

from __future__ import annotations

from consumers.runtime.worker import Worker, run_until_signalled

__all__ = ["Worker", "run_until_signalled"]
