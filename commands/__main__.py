"""`python -m commands` is `connec-sync`."""

from commands import entry

entry()
