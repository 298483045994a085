"""`python -m bench`: run every benchmark module present (each has `main() -> int`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

#: modules that are helpers or servers, not benchmarks
NOT_BENCHMARKS = {"common", "baseline_receiver"}


def main() -> int:
    status = 0
    for module in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])):
        if module in NOT_BENCHMARKS or module.startswith("_"):
            continue
        benchmark = importlib.import_module(f"bench.{module}")
        if hasattr(benchmark, "main"):
            print(f"== bench.{module}", flush=True)
            status = max(status, int(benchmark.main() or 0))
    return status


if __name__ == "__main__":
    sys.exit(main())
