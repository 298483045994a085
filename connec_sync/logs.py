"""structlog, configured once per process: JSON lines off a terminal, console on one."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

import structlog

#: the context bound per message (message id, entity, ...): one variable holds all its keys
_context: ContextVar[Mapping[str, Any]] = ContextVar(
    "connec_sync_log_context", default=MappingProxyType({})
)


class bound:  # noqa: N801  (a context manager named as a function: `with logs.bound(...)`)
    """Adds key-values to every line logged in this thread (or task) until the block ends;
    an inner block adds to the outer one's and overrides its keys. structlog's
    `bound_contextvars` sets a context variable per key and copies the whole context to restore
    them: 5 µs a block here, where one variable for all the keys costs 0.7 (a consumer enters
    two blocks per message)."""

    __slots__ = ("_token", "_values")

    def __init__(self, **values: Any) -> None:
        self._values = values

    def __enter__(self) -> bound:
        self._token = _context.set({**_context.get(), **self._values})
        return self

    def __exit__(self, *_exc: object) -> None:
        _context.reset(self._token)


def bind(**values: Any) -> None:
    """Add key-values to every later line of this thread (or task)."""
    _context.set({**_context.get(), **values})


def clear() -> None:
    """Forget what `bind` and `bound` added in this thread (or task)."""
    _context.set(MappingProxyType({}))


def _merge_bound(_logger: Any, _name: str, event: Any) -> Any:
    """The bound key-values first, the line's own over them."""
    values = _context.get()
    return {**values, **event} if values else event


def configure(level: str = "info", *, json_lines: bool | None = None) -> None:
    """Configure structlog and stdlib logging; call once, from a process's composition root."""
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}")
    if json_lines is None:
        json_lines = not sys.stdout.isatty()
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            _merge_bound,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info if json_lines else _keep_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(),  # the current sys.stdout at each call
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=max(numeric, logging.WARNING), stream=sys.stderr, force=True)
    global _configurations
    _configurations += 1
    _cached.clear()


def _keep_exc_info(_logger: Any, _name: str, event: Any) -> Any:
    return event


def get_logger(name: str | None = None, **initial: Any) -> Any:
    return structlog.get_logger(name, **initial)


#: loggers bound by `cached_logger`, by (name, configuration, standard output)
_cached: dict[tuple[str | None, int, int], Any] = {}
_configurations = 0


def cached_logger(name: str | None = None) -> Any:
    """What `get_logger(name)` logs with, bound once per configuration and standard output: the
    lazy logger binds a new one at every call, some 15 µs, which a consumer's line per message
    paid. (The cache keeps each standard output it saw alive, so their ids stay distinct.)"""
    key = (name, _configurations, id(sys.stdout))
    logger = _cached.get(key)
    if logger is None:
        logger = _cached[key] = structlog.get_logger(name).bind()
    return logger
