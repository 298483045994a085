"""`python -m bench._without NAME [NAME ...] -- ARGS`: `connec-sync ARGS` with the named
speed-ups switched off (their library paths back in place; see bench/_library_paths.py)."""

from __future__ import annotations

import sys

from bench._library_paths import switch_off


def main(argv: list[str]) -> int:
    split = argv.index("--")
    for name in argv[:split]:
        switch_off(name)
    from commands import main as connec_sync

    return connec_sync(argv[split + 1 :])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
