"""Structured (JSON lines) logging for the gateway process."""

from __future__ import annotations

import json
import logging
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged as a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as JSON (exceptions by class only: their messages may carry PHI)."""
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_class"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


# Libraries that log what must stay out of production logs: httpx and httpcore write every upstream request
# line, whose URL names the patient (`Observation?patient=Patient/...`); uvicorn's access log writes client
# addresses and query strings. Outside development they pass warnings only.
LIBRARY_LOGGERS = ("httpx", "httpcore", "uvicorn.access")


def quiet_library_loggers(*, development: bool) -> None:
    """Set the PHI-bearing library loggers to WARNING outside development (their own level in development).

    Args:
        development: Whether this is the development environment.
    """
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if development else logging.WARNING)


def configure_logging(level: str) -> None:
    """Send all log records to stderr as JSON lines at ``level``."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
