"""Reading captured log records for what they say, in tests that look for secrets and PHI in logs."""

from __future__ import annotations

import logging

# The attributes every LogRecord has: times, thread and process ids, file and line. Their digits could
# contain a secret's by chance (a relativeCreated of 81497.1990... is not a birth year).
_BOOKKEEPING = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_FORMATTER = logging.Formatter()


def logged_text(record: logging.LogRecord) -> str:
    """The record's message, the fields the code added (``extra``) and any exception it carries."""
    extra = {key: value for key, value in vars(record).items() if key not in _BOOKKEEPING}
    text = f"{record.getMessage()} {extra}"
    if record.exc_info:
        text += "\n" + _FORMATTER.formatException(record.exc_info)
    if record.stack_info:
        text += "\n" + record.stack_info
    return text
