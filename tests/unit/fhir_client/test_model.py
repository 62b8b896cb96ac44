"""Writes are validated with fhir.resources R4B models; errors never repeat the values."""

from __future__ import annotations

import pytest
from fhir.resources.observation import Observation as R5Observation
from fhir.resources.R4B.observation import Observation

from fhir_client import FhirInvalidResource
from fhir_client._model import validated

VALID = {"resourceType": "Observation", "status": "final", "code": {"text": "glucose"}}


def test_dict_and_model_give_the_same_json() -> None:
    from_dict = validated(VALID)
    from_model = validated(Observation.model_validate(VALID))
    assert from_dict == from_model == VALID


def test_invalid_resource_names_paths_not_values() -> None:
    with pytest.raises(FhirInvalidResource) as caught:
        validated(
            {
                "resourceType": "Observation",
                "status": "final",
                "subject": {"reference": 12345678},
                "valueQuantity": {"value": "SECRET-VALUE"},
            }
        )
    error = caught.value
    assert error.resource_type == "Observation"
    assert any(problem.startswith("code:") for problem in error.problems)
    text = " ".join((str(error), *error.problems))
    assert "SECRET" not in text and "12345678" not in text
    assert error.__cause__ is None and error.__suppress_context__


def test_unknown_type_and_missing_type() -> None:
    with pytest.raises(FhirInvalidResource, match="unknown resource type"):
        validated({"resourceType": "NoSuchThing"})
    with pytest.raises(FhirInvalidResource, match="no resourceType"):
        validated({"status": "final"})


def test_r5_models_are_refused() -> None:
    r5 = R5Observation.model_validate(VALID)
    with pytest.raises(FhirInvalidResource, match="R4B"):
        validated(r5)


async def test_invalid_write_sends_nothing(fake) -> None:
    client = fake.client(lambda request: fake.json({}))
    with pytest.raises(FhirInvalidResource):
        await client.create({"resourceType": "Observation", "status": "final"})
    assert fake.requests == []
