"""structlog, configured once per process: JSON lines off a terminal, console on one."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

#: context bound per message (message id, entity, ...) lives in contextvars
bind = structlog.contextvars.bind_contextvars
clear = structlog.contextvars.clear_contextvars
bound = structlog.contextvars.bound_contextvars


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
            structlog.contextvars.merge_contextvars,
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
