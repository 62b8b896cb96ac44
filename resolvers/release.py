"""The release rule for results (docs/records.md): what of DiagnosticReport and Observation a viewer sees.

Shown: ``final``, ``amended``, ``corrected``; ``preliminary`` shown and labelled. Never: ``registered``,
``cancelled``, ``entered-in-error`` (nor ``partial``/``unknown``, which R4 does not mean for release). A
result carrying the hold tag ``urn:portal-gateway:release-hold`` is kept back whatever its status.

The rule is pushed into the FHIR search (``status:not=...`` and ``_tag:not=...``) so pages come back full,
and applied again here to every resource shown (included ones and reads too), so nothing depends on the
server. The search names the statuses never shown rather than those shown: on HAPI (H2), ``status=a,b,c``
together with ``_tag:not`` and ``_sort`` makes a first page of a 2,000-report record take 15 s instead of
50 ms (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fhir_client import AnyOf, ParamValue, Resource

from .values import objects, string

HOLD_SYSTEM = "urn:portal-gateway:release-hold"
HOLD_CODE = "hold"
RELEASED = ("final", "amended", "corrected", "preliminary")
WITHHELD = ("registered", "partial", "appended", "cancelled", "entered-in-error", "unknown")
"""Every other status of DiagnosticReport and Observation (R4): never shown."""


def released(resource: Resource) -> bool:
    """Whether the release rule lets ``resource`` be shown."""
    return resource.get("status") in RELEASED and not held(resource)


def held(resource: Resource) -> bool:
    """Whether the EHR set the release hold on ``resource``."""
    meta = resource.get("meta")
    if not isinstance(meta, Mapping):
        return False
    return any(string(tag.get("system")) == HOLD_SYSTEM for tag in objects(meta.get("tag")))


Params = dict[str, ParamValue | Sequence[ParamValue]]


def search_params() -> Params:
    """The FHIR search parameters that apply the rule upstream (the guard adds the labels for proxies)."""
    return {"status:not": AnyOf(*WITHHELD), "_tag:not": f"{HOLD_SYSTEM}|{HOLD_CODE}"}
