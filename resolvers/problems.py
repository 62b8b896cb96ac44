"""Expected failures that every feature shares, as plain values.

A mutation's resolver returns either its success value or a problem value; the schema presents each value
class as the GraphQL type of the same name, which implements ``Problem`` (``schema/outcomes.py``). Feature
specific problems live beside their feature; these are the ones many mutations answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NotPermitted:
    """Not allowed here: the access level, the practice's rules or the record's state do not allow it."""

    message: str


@dataclass(frozen=True, slots=True)
class IdempotencyKeyReused:
    """The idempotency key was used before with other arguments (or another operation): nothing was done."""

    message: str = "This idempotency key was already used for a different request. Use a new key."
