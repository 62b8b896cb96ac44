"""Validation of what the gateway writes, with the ``fhir.resources.R4B`` models.

Every write accepts either an R4B model instance or FHIR JSON (a mapping with ``resourceType``). Both are
validated with the R4B class of their ``resourceType`` right before sending, and what is sent is the JSON of
the validated model: the server never receives something the models rejected. (``fhir.resources`` has no R4
package; R4B reads and writes the portal's R4 resources.)

Validation errors never carry the offending values (they are PHI): only the element path and the error type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import BaseModel, ValidationError

from ._errors import FhirInvalidResource

ResourceInput = BaseModel | Mapping[str, Any]
_R4B_PREFIX = "fhir.resources.R4B."


def validated(resource: ResourceInput) -> dict[str, Any]:
    """Validate a resource to write and return the FHIR JSON to send.

    Args:
        resource: A ``fhir.resources.R4B`` model instance or FHIR JSON.

    Returns:
        The validated resource as FHIR JSON.

    Raises:
        FhirInvalidResource: Not an R4B resource, an unknown type, or invalid content.
    """
    if isinstance(resource, BaseModel) and not type(resource).__module__.startswith(_R4B_PREFIX):
        # fhir.resources' root package is R5; an R5 model sent to an R4 server is a silent mismatch.
        raise FhirInvalidResource("only fhir.resources.R4B models can be written")
    data = as_json(resource)
    resource_type = data.get("resourceType")
    if not isinstance(resource_type, str):
        raise FhirInvalidResource("resource has no resourceType")
    try:
        model_class = get_fhir_model_class(resource_type)
    except (ValueError, KeyError, ImportError):
        raise FhirInvalidResource("unknown resource type", resource_type=resource_type) from None
    try:
        model = model_class.model_validate(data)
    except ValidationError as exc:
        # ``from None``: the pydantic error repeats the input values, which must not reach a log.
        raise FhirInvalidResource(
            f"{resource_type} failed R4B validation",
            problems=_problems(exc),
            resource_type=resource_type,
        ) from None
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_none=True, by_alias=True)
    return dumped


def as_json(resource: ResourceInput) -> dict[str, Any]:
    """A model's FHIR JSON (no nulls, JSON names such as ``class``), or a copy of a mapping; not validated."""
    if isinstance(resource, BaseModel):
        dumped: dict[str, Any] = resource.model_dump(mode="json", exclude_none=True, by_alias=True)
        return dumped
    return dict(resource)


def _problems(error: ValidationError) -> tuple[str, ...]:
    return tuple(
        f"{'.'.join(str(part) for part in item['loc']) or '<root>'}: {item['type']}"
        for item in error.errors(include_input=False, include_url=False)
    )


__all__ = ["ResourceInput", "as_json", "validated"]
