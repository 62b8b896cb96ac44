"""Validation of ids that come from clients, before anything is sent upstream."""

from __future__ import annotations

from fhir_client import is_fhir_id

from .errors import BadUserInput


def fhir_id(value: str, argument: str = "id") -> str:
    """Return ``value`` if it is a valid FHIR id, else raise ``BadUserInput`` naming ``argument``.

    Nothing goes upstream for a malformed id.
    """
    if not is_fhir_id(value):
        raise BadUserInput(f"{argument} must be 1 to 64 letters, digits, '-' or '.'")
    return value


def created_id(location: str | None) -> str:
    """The id of a resource the server created, from its ``Location`` (``Type/id/_history/v``).

    Raises:
        ValueError: The server did not say where it created it.
    """
    if not location:
        raise ValueError("the server did not say where it created the resource")
    parts = location.split("/")
    return parts[parts.index("_history") - 1] if "_history" in parts else parts[-1]
