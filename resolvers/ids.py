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
