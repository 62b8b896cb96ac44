"""``patient(id)`` answers before its Patient read returns (so the read goes upstream with the fields'
searches), and every field waits for it: nothing of a record whose Patient is missing is shown."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from strawberry.types.base import get_object_definition

from gateway.settings import Settings
from schema import build_schema
from schema.billing import Billing
from schema.patient import Patient
from schema.shown import ShownOnly
from tests.unit.schema.support import context

QUERY = '{ patient(id: "pat-1") { results { nodes { id } } } }'
REPORT = {
    "resourceType": "DiagnosticReport",
    "id": "dr-1",
    "status": "final",
    "subject": {"reference": "Patient/pat-1"},
    "code": {"text": "CBC"},
}
PATIENT = {"resourceType": "Patient", "id": "pat-1"}


@pytest.mark.parametrize("section", [Patient, Billing])
def test_every_field_of_the_record_waits_for_the_read(section: type) -> None:
    fields = get_object_definition(section, strict=True).fields
    assert fields and all(any(isinstance(e, ShownOnly) for e in f.extensions) for f in fields)


def _ehr(patient_found: bool, sent: list[str]) -> Any:
    def answer(url: str) -> dict[str, Any]:
        if url.startswith("Patient/"):
            if patient_found:
                return {"resource": PATIENT, "response": {"status": "200 OK"}}
            return {"response": {"status": "404 Not Found"}}
        page = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": REPORT}]}
        return {"resource": page, "response": {"status": "200 OK"}}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST", "the Patient read and the search go together"
        urls = [entry["request"]["url"] for entry in json.loads(request.content)["entry"]]
        sent.extend(urls)
        body = {"resourceType": "Bundle", "type": "batch-response", "entry": [answer(u) for u in urls]}
        return httpx.Response(200, json=body, headers={"content-type": "application/fhir+json"})

    return handler


@pytest.mark.parametrize("found", [True, False])
async def test_a_missing_patient_shows_nothing_of_its_record(found: bool) -> None:
    sent: list[str] = []
    schema = build_schema(Settings(environment="production"))
    ctx = context(_ehr(found, sent), development=False, signed_in_as="pat-1")
    ctx.cursor_key = b"c" * 32
    result = await schema.execute(QUERY, context_value=ctx)
    assert sorted(url.split("?")[0] for url in sent) == ["DiagnosticReport", "Patient/pat-1"]
    if found:
        assert result.data == {"patient": {"results": {"nodes": [{"id": "dr-1"}]}}}
    else:
        assert result.data == {"patient": None}
        assert {(e.extensions or {}).get("code") for e in result.errors or []} == {"NOT_FOUND"}
        assert "dr-1" not in json.dumps([e.formatted for e in result.errors or []])
