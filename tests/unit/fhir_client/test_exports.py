"""The public API is exactly ``fhir_client.__all__`` (as httpx tests its own export list)."""

from __future__ import annotations

import fhir_client


def test_all_lists_every_public_name() -> None:
    public = {name for name in dir(fhir_client) if not name.startswith("_")}
    assert public == set(fhir_client.__all__)


def test_every_exported_name_resolves() -> None:
    for name in fhir_client.__all__:
        assert getattr(fhir_client, name) is not None


def test_contract_names_the_gateway_uses() -> None:
    # The lead's contract (gateway code depends on these).
    for name in (
        "FhirClient",
        "FhirError",
        "FhirTransportError",
        "FhirTimeout",
        "FhirUnavailable",
        "FhirResponseError",
        "FhirStatusError",
        "FhirBadRequest",
        "FhirForbidden",
        "FhirNotFound",
        "FhirGone",
        "FhirConflict",
        "FhirPreconditionFailed",
        "FhirServerError",
        "OutcomeIssue",
        "Resource",
    ):
        assert name in fhir_client.__all__
    assert issubclass(fhir_client.FhirTimeout, fhir_client.FhirTransportError)
    assert issubclass(fhir_client.FhirUnavailable, fhir_client.FhirTransportError)
    assert issubclass(fhir_client.FhirConflict, fhir_client.FhirStatusError)
