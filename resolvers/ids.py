"""Validation of ids that come from clients, before anything is sent upstream."""

from __future__ import annotations

import re

from .errors import BadUserInput

# FHIR R4 id: 1-64 characters of [A-Za-z0-9-.] (http://hl7.org/fhir/R4/datatypes.html#id).
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def fhir_id(value: str) -> str:
    """Return ``value`` if it is a valid FHIR id, else raise ``BadUserInput`` (nothing goes upstream)."""
    if not _FHIR_ID.match(value):
        raise BadUserInput("id must be 1 to 64 letters, digits, '-' or '.'")
    return value
