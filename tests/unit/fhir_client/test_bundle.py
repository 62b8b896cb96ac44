"""Reading search and batch/transaction Bundles, and building request entries."""

from __future__ import annotations

import pytest

from fhir_client import Entry, FhirInvalidResource, FhirResponseError
from fhir_client._body import ErrorContext
from fhir_client._bundle import bundle_json, entry_results, search_page

CONTEXT = ErrorContext("GET", "Observation", None)
OBS = {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"}}
PRACT = {"resourceType": "Practitioner", "id": "pr1"}
OUTCOME = {"resourceType": "OperationOutcome", "issue": [{"severity": "warning", "code": "informational"}]}


def test_search_page_splits_by_mode() -> None:
    body = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "link": [{"relation": "self", "url": "x"}, {"relation": "next", "url": "http://h/fhir?_getpages=1"}],
        "entry": [
            {"resource": OBS, "search": {"mode": "match"}},
            {"resource": PRACT, "search": {"mode": "include"}},
            {"resource": OUTCOME, "search": {"mode": "outcome"}},
            {"resource": {**OBS, "id": "o2"}},  # no mode: the searched type is a match
            {"resource": {**PRACT, "id": "pr2"}},  # no mode: another type was included
            {"search": {"mode": "match"}},  # no resource: skipped
        ],
    }
    page = search_page(body, "Observation", want_total=False, context=CONTEXT)
    assert [r.id for r in page.matches] == ["o1", "o2"]
    assert [r.id for r in page.included] == ["pr1", "pr2"]
    assert [r.resource_type for r in page.outcomes] == ["OperationOutcome"]
    assert page.total is None
    assert page.next_url == "http://h/fhir?_getpages=1"
    assert search_page(body, "Observation", want_total=True, context=CONTEXT).total == 1


@pytest.mark.parametrize(
    "body", [None, {"resourceType": "Patient"}, {"resourceType": "Bundle", "type": "batch"}]
)
def test_search_page_refuses_non_searchsets(body: object) -> None:
    with pytest.raises(FhirResponseError):
        search_page(body, "Observation", want_total=False, context=CONTEXT)


def test_entries_build_bundle_json() -> None:
    entries = [
        Entry.create(OBS, full_url="urn:uuid:1", if_none_exist={"identifier": "s|v"}),
        Entry.update(OBS, if_match="4"),
        Entry.delete("Observation", "o9"),
        Entry.read("Patient", "p1"),
        Entry.search("Observation", (("patient", "p1"), ("_count", "20"))),
    ]
    bundle = bundle_json("transaction", entries)
    requests = [entry["request"] for entry in bundle["entry"]]
    assert requests == [
        {"method": "POST", "url": "Observation", "ifNoneExist": "identifier=s%7Cv"},
        {"method": "PUT", "url": "Observation/o1", "ifMatch": 'W/"4"'},
        {"method": "DELETE", "url": "Observation/o9"},
        {"method": "GET", "url": "Patient/p1"},
        {"method": "GET", "url": "Observation?patient=p1&_count=20"},
    ]
    assert bundle["entry"][0]["fullUrl"] == "urn:uuid:1"
    assert bundle["entry"][0]["resource"]["status"] == "final"


def test_entries_validate_what_they_write() -> None:
    with pytest.raises(FhirInvalidResource):
        Entry.create({"resourceType": "Observation", "status": "final"})  # code is required
    with pytest.raises(ValueError):
        Entry.update({**OBS, "id": None})


def test_entry_results_per_entry() -> None:
    body = {
        "resourceType": "Bundle",
        "type": "batch-response",
        "entry": [
            {
                "resource": OBS,
                "response": {
                    "status": "201 Created",
                    "location": "Observation/o1/_history/1",
                    "etag": 'W/"1"',
                },
            },
            {
                "response": {
                    "status": "404 Not Found",
                    "outcome": {
                        "resourceType": "OperationOutcome",
                        "issue": [{"severity": "error", "code": "not-found"}],
                    },
                }
            },
        ],
    }
    first, second = entry_results(body, "batch", 2, CONTEXT)
    assert first.ok and first.status == 201 and first.resource is not None and first.resource.id == "o1"
    assert first.location == "Observation/o1/_history/1" and first.etag == 'W/"1"'
    assert not second.ok and second.status == 404 and second.resource is None
    assert [issue.code for issue in second.issues] == ["not-found"]


def test_entry_results_refuse_mismatches() -> None:
    body = {"resourceType": "Bundle", "type": "batch-response", "entry": []}
    with pytest.raises(FhirResponseError):
        entry_results(body, "batch", 1, CONTEXT)
    with pytest.raises(FhirResponseError):
        entry_results({**body, "type": "transaction-response"}, "batch", 0, CONTEXT)
    bad_status = {**body, "entry": [{"response": {"status": "Created"}}]}
    with pytest.raises(FhirResponseError):
        entry_results(bad_status, "batch", 1, CONTEXT)
