"""``ZONOS_LOG=debug`` (or ``info``, ``warning``, ``error``): the library's logging, without code.

Read once, when ``zonos_async`` is imported. The level is set on the
``zonos_async`` logger, and a handler that writes to stderr is added; that
handler writes a line only while the application has configured no logging of
its own (the root logger has no handler), decided line by line, so an app that
calls ``logging.basicConfig()`` after the import sees each line once, through
its own handler. Secrets are redacted in every line either way.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping
from typing import Final

__all__ = ["LOGGER_NAME", "configure_from_environment"]

LOGGER_NAME: Final = "zonos_async"
FORMAT: Final = "%(asctime)s %(name)s %(levelname)s %(message)s"

_LEVELS: Final = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class _EnvironmentHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``ZONOS_LOG`` added: silent while the root logger has handlers of its own."""

    def emit(self, record: logging.LogRecord) -> None:
        if not logging.getLogger().handlers:  # else the app's handlers print it already
            super().emit(record)


def configure_from_environment(environ: Mapping[str, str] = os.environ) -> None:
    """Apply ``$ZONOS_LOG``, if set; an unknown value is ignored with a warning."""
    value = environ.get("ZONOS_LOG", "").strip().lower()
    if not value:
        return
    level = _LEVELS.get(value)
    if level is None:
        warnings.warn(
            f"ZONOS_LOG={value!r} is not one of {', '.join(_LEVELS)}; ignored", stacklevel=2
        )
        return
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if any(isinstance(handler, _EnvironmentHandler) for handler in logger.handlers):
        return
    handler = _EnvironmentHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
