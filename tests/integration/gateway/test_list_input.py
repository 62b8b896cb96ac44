"""Bad paging and filter input of the record lists: BAD_USER_INPUT, and nothing sent upstream (issue #6)."""

from __future__ import annotations

from typing import Any

import pytest

from auth import ActiveSession
from resolvers.cursors import CursorCodec
from resolvers.results import RESULTS, Filters
from tests.integration.gateway.access_support import AccessPortal
from tests.integration.gateway.records_support import counted, new_record, session_for

LIST = (
    "query L($id: ID!, $first: Int, $after: String) "
    "{ patient(id: $id) { %s(first: $first, after: $after) { nodes { id } pageInfo { endCursor } } } }"
)
LISTS = ("results", "observations", "conditions", "allergies", "immunizations")


async def _bad(access: AccessPortal, query: str, variables: dict[str, Any], token: str) -> None:
    body, sent = await counted(access, query, variables, token)
    assert [e["extensions"]["code"] for e in body.get("errors", [])] == ["BAD_USER_INPUT"], body
    assert sent == [], sent


@pytest.mark.parametrize("name", LISTS)
async def test_bad_first_and_cursors_send_nothing_upstream(
    access: AccessPortal, fhir_base_url: str, name: str
) -> None:
    record = new_record(fhir_base_url, 3)
    token = await session_for(access, record.patient)
    query = LIST % name
    for first in (-1, 0, 101, 100000):
        await _bad(access, query, {"id": record.patient, "first": first}, token)
    for garbage in ("garbage", "v1.e30.AAAA", "v1..", "x" * 5000):
        await _bad(access, query, {"id": record.patient, "after": garbage}, token)


async def test_cursors_of_another_session_patient_or_list_are_refused(
    access: AccessPortal, fhir_base_url: str
) -> None:
    record = new_record(fhir_base_url, 3)
    other = new_record(fhir_base_url, 3)
    token = await session_for(access, record.patient)
    body, _ = await counted(access, LIST % "results", {"id": record.patient, "first": 1}, token)
    cursor = body["data"]["patient"]["results"]["pageInfo"]["endCursor"]
    assert cursor
    again = await session_for(access, record.patient)  # same patient, another session
    await _bad(access, LIST % "results", {"id": record.patient, "after": cursor}, again)
    other_token = await session_for(access, other.patient)
    await _bad(access, LIST % "results", {"id": other.patient, "after": cursor}, other_token)
    # Another list of the same patient and session: refused before its search is sent.
    body, sent = await counted(access, LIST % "observations", {"id": record.patient, "after": cursor}, token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert not any("/Observation" in s for s in sent), sent
    filtered = (
        "query($id: ID!, $after: String) "
        "{ patient(id: $id) { results(after: $after, category: IMAGING) { nodes { id } } } }"
    )
    body, sent = await counted(access, filtered, {"id": record.patient, "after": cursor}, token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert not any("/DiagnosticReport" in s for s in sent), sent


async def test_a_cursor_of_lab_results_is_refused_by_imaging_results(
    access: AccessPortal, fhir_base_url: str
) -> None:
    record = new_record(fhir_base_url, 3)
    token = await session_for(access, record.patient)
    by_category = (
        "query($id: ID!, $c: ResultCategory, $after: String) { patient(id: $id) "
        "{ results(first: 1, category: $c, after: $after) { nodes { id } pageInfo { endCursor } } } }"
    )
    body, _ = await counted(access, by_category, {"id": record.patient, "c": "LAB"}, token)
    cursor = body["data"]["patient"]["results"]["pageInfo"]["endCursor"]
    assert body["data"]["patient"]["results"]["nodes"] and cursor
    body, sent = await counted(
        access, by_category, {"id": record.patient, "c": "IMAGING", "after": cursor}, token
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert not any("/DiagnosticReport" in s for s in sent), sent
    body, _ = await counted(access, by_category, {"id": record.patient, "c": "LAB", "after": cursor}, token)
    assert "errors" not in body, body


async def test_arguments_are_checked_wherever_the_connection_is_reached(
    access: AccessPortal, fhir_base_url: str
) -> None:
    record = new_record(fhir_base_url, 1)
    token = await session_for(access, record.patient)
    nested = (
        "query($f: Int, $a: String) "
        "{ viewer { patients { patient { results(first: $f, after: $a) { nodes { id } } } } } }"
    )
    await _bad(access, nested, {"f": 500}, token)
    await _bad(access, nested, {"a": "garbage"}, token)
    in_fragment = (
        "query($id: ID!) { patient(id: $id) { ...Lists } } "
        "fragment Lists on Patient { conditions(first: 0) { nodes { id } } }"
    )
    await _bad(access, in_fragment, {"id": record.patient}, token)
    body, _ = await counted(access, nested, {"f": 2}, token)
    assert "errors" not in body, body


async def test_unknown_category_and_malformed_dates_are_validation_errors(
    access: AccessPortal, fhir_base_url: str
) -> None:
    record = new_record(fhir_base_url, 1)
    token = await session_for(access, record.patient)
    await _bad(
        access,
        "query($id: ID!) { patient(id: $id) { results(category: XRAY) { nodes { id } } } }",
        {"id": record.patient},
        token,
    )
    await _bad(
        access,
        "query($id: ID!, $c: ResultCategory) { patient(id: $id) { results(category: $c) { nodes { id } } } }",
        {"id": record.patient, "c": "XRAY"},
        token,
    )
    await _bad(
        access,
        "query($id: ID!) { patient(id: $id) { observations(category: BLOOD) { nodes { id } } } }",
        {"id": record.patient},
        token,
    )
    for date in ("2024-13-01", "yesterday", "2024-02-30x"):
        await _bad(
            access,
            "query($id: ID!, $d: FhirDate) { patient(id: $id) { results(dateFrom: $d) { nodes { id } } } }",
            {"id": record.patient, "d": date},
            token,
        )
    await _bad(
        access,
        'query($id: ID!) { patient(id: $id) { results(dateTo: "2024-1-1") { nodes { id } } } }',
        {"id": record.patient},
        token,
    )


async def test_malformed_code_tokens_are_refused(access: AccessPortal, fhir_base_url: str) -> None:
    record = new_record(fhir_base_url, 1)
    token = await session_for(access, record.patient)
    query = "query($id: ID!, $c: String) { patient(id: $id) { %s(code: $c) { nodes { id } } } }"
    for name in ("results", "observations"):
        for code in ("", " ", "a|b|c", "a,b", "x" * 300):
            await _bad(access, query % name, {"id": record.patient, "c": code}, token)
        body, _ = await counted(
            access, query % name, {"id": record.patient, "c": "http://loinc.org|718-7"}, token
        )
        assert "errors" not in body, body


async def test_a_cursor_whose_stored_search_expired_asks_to_start_again(
    access: AccessPortal, fhir_base_url: str
) -> None:
    record = new_record(fhir_base_url, 3)
    token = await session_for(access, record.patient)
    found = await access.portal.auth.sessions.resolve(token)
    assert isinstance(found, ActiveSession)
    codec = CursorCodec(access.portal.settings.cursor_secret(), found.session.id)
    stored = "00000000-0000-0000-0000-000000000000"  # a stored search HAPI does not have (410 Gone)
    gone = f"{access.recorder.base_url}?_getpages={stored}&_getpagesoffset=2&_count=2"
    key = RESULTS.query(Filters()).key
    cursor = codec.encode(record.patient, {"l": key, "u": gone, "s": 0, "t": None})
    body, sent = await counted(access, LIST % "results", {"id": record.patient, "after": cursor}, token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert "expired" in body["errors"][0]["message"]
    assert any("_getpages=00000000" in s for s in sent), sent
