"""Checks of resource types and ids before they go into a URL path (no ``../``, no query injection)."""

from __future__ import annotations

import re

_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # https://hl7.org/fhir/R4/datatypes.html#id


def is_fhir_id(value: str) -> bool:
    """Whether ``value`` is a syntactically valid FHIR id; no request can find a resource by anything else."""
    return bool(_ID.match(value))


def checked_type(resource_type: str) -> str:
    """``resource_type`` if it is shaped like a FHIR resource type name.

    Raises:
        ValueError: It is not.
    """
    if not _TYPE.match(resource_type):
        raise ValueError("malformed resource type")
    return resource_type


def checked_id(value: str) -> str:
    """``value`` if it is a valid FHIR id (or version id).

    Raises:
        ValueError: It is not; the message does not repeat it.
    """
    if not _ID.match(value):
        raise ValueError("malformed id")
    return value


__all__ = ["checked_id", "checked_type", "is_fhir_id"]
