"""Results (DiagnosticReport + Observation): release rule, paging, filters, upstream cost (issue #6)."""

from __future__ import annotations

from typing import Any

from fixtures import catalog
from tests.integration.gateway.access_support import AccessPortal
from tests.integration.gateway.records_support import counted, new_record, put, report_entries, session_for

RESULTS = """
query R($id: ID!, $first: Int, $after: String, $category: ResultCategory, $code: String,
        $from: FhirDate, $to: FhirDate) {
  patient(id: $id) {
    results(first: $first, after: $after, category: $category, code: $code, dateFrom: $from, dateTo: $to) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id } }
      nodes {
        id status preliminary issued effectiveDateTime conclusion
        category { coding { system code display } }
        code { text coding { system code display } }
        presentedForm { url contentType title }
        performer {
          __typename ... on Practitioner { id name { family } } ... on Organization { id orgName: name }
        }
        result {
          id status preliminary
          value { __typename ... on Quantity { value unit code } }
          referenceRange { low { value unit } high { value unit } text }
          interpretation { coding { system code } }
          performer { __typename ... on Organization { id orgName: name } }
        }
      }
    }
  }
}
"""
TOTAL = """
query T($id: ID!, $first: Int) { patient(id: $id) { results(first: $first) { totalCount nodes { id } } } }
"""


def _results(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    results: dict[str, Any] = body["data"]["patient"]["results"]
    return results


async def _ids(access: AccessPortal, patient: str, token: str, **variables: Any) -> list[str]:
    body, _ = await counted(access, RESULTS, {"id": patient, "first": 100, **variables}, token)
    return [node["id"] for node in _results(body)["nodes"]]


async def test_a_results_page_of_50_reports_with_performers_costs_at_most_3_requests(
    access: AccessPortal, fhir_base_url: str
) -> None:
    record = new_record(fhir_base_url, 50)
    token = await session_for(access, record.patient)
    body, sent = await counted(access, RESULTS, {"id": record.patient, "first": 50}, token)
    page = _results(body)
    assert len(page["nodes"]) == 50
    assert [n["id"] for n in page["nodes"]] == [record.report(n) for n in range(49, -1, -1)]  # newest first
    for node in page["nodes"]:
        assert {p["__typename"] for p in node["performer"]} == {"Practitioner", "Organization"}
        assert len(node["result"]) == 2
        assert node["result"][0]["performer"][0]["id"] == "org-valley-lab"
    assert page["pageInfo"]["hasNextPage"] is False
    assert len(sent) <= 3, sent
    assert len(sent) == 1, sent  # one batch: the Patient and one search including results and performers
    search = next(s for s in sent if "/DiagnosticReport?" in s)
    assert "_include=DiagnosticReport:result" in search and "_include=DiagnosticReport:performer" in search
    assert "_total" not in search


async def test_release_rule_on_the_fixtures(access: AccessPortal) -> None:
    ava = await session_for(access, "pat-ava-chen", "person-ava-chen")
    body, _ = await counted(access, RESULTS, {"id": "pat-ava-chen"}, ava)
    nodes = {n["id"]: n for n in _results(body)["nodes"]}
    assert nodes[catalog.PRELIMINARY_REPORT]["preliminary"] is True
    assert nodes[catalog.PRELIMINARY_REPORT]["status"] == "PRELIMINARY"
    assert all(r["preliminary"] for r in nodes[catalog.PRELIMINARY_REPORT]["result"])
    assert any(n["status"] == "FINAL" and n["preliminary"] is False for n in nodes.values())

    marcus = await session_for(access, "pat-marcus-johnson", "person-marcus-johnson")
    assert catalog.REGISTERED_REPORT not in await _ids(access, "pat-marcus-johnson", marcus)
    omar = await session_for(access, "pat-omar-haddad", "person-omar-haddad")
    omar_ids = await _ids(access, "pat-omar-haddad", omar)
    assert catalog.ENTERED_IN_ERROR_REPORT not in omar_ids and omar_ids
    priya = await session_for(access, "pat-priya-patel", "person-priya-patel")
    body, _ = await counted(access, RESULTS, {"id": "pat-priya-patel"}, priya)
    statuses = {n["id"]: n["status"] for n in _results(body)["nodes"]}
    assert statuses[catalog.AMENDED_REPORT] == "AMENDED"
    walter = await session_for(access, "pat-walter-schmidt")
    walter_ids = await _ids(access, "pat-walter-schmidt", walter)
    assert catalog.HELD_REPORT not in walter_ids and walter_ids
    # Never even fetched: the rule is part of the search.
    body, sent = await counted(access, RESULTS, {"id": "pat-walter-schmidt"}, walter)
    search = next(s for s in sent if "/DiagnosticReport?" in s)
    assert "status:not=registered,partial,appended,cancelled,entered-in-error,unknown" in search
    assert "_tag:not=urn:portal-gateway:release-hold|hold" in search


async def test_paging_through_pages_while_results_are_added_has_no_duplicates_or_gaps(
    access: AccessPortal, fhir_base_url: str
) -> None:
    record = new_record(
        fhir_base_url,
        7,
    )
    token = await session_for(access, record.patient)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body, sent = await counted(access, RESULTS, {"id": record.patient, "first": 2, "after": after}, token)
        page = _results(body)
        seen += [n["id"] for n in page["nodes"]]
        assert [e["node"]["id"] for e in page["edges"]] == [n["id"] for n in page["nodes"]]
        # The first page and the Patient in one batch; later pages follow HAPI's paging link (which a batch
        # cannot carry), sent at the same time as the Patient read.
        assert len(sent) == (1 if after is None else 2), sent
        pages += 1
        if pages == 1:  # newer results arrive while the viewer pages
            put(fhir_base_url, report_entries(record, range(100, 103)))
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 4
    assert seen == [record.report(n) for n in range(6, -1, -1)]
    # A fresh first page shows the new ones first.
    assert (await _ids(access, record.patient, token))[:3] == [record.report(n) for n in (102, 101, 100)]


async def test_an_edge_cursor_resumes_after_its_edge(access: AccessPortal, fhir_base_url: str) -> None:
    record = new_record(fhir_base_url, 5)
    token = await session_for(access, record.patient)
    body, _ = await counted(access, RESULTS, {"id": record.patient, "first": 3}, token)
    first_edge = _results(body)["edges"][0]["cursor"]
    body, _ = await counted(access, RESULTS, {"id": record.patient, "first": 3, "after": first_edge}, token)
    assert [n["id"] for n in _results(body)["nodes"]] == [record.report(n) for n in (3, 2, 1)]
    # A smaller page on a continuation link: the rest of the server's page is not lost.
    end = _results(body)["pageInfo"]["endCursor"]
    body, _ = await counted(access, RESULTS, {"id": record.patient, "first": 1, "after": end}, token)
    page = _results(body)
    assert [n["id"] for n in page["nodes"]] == [record.report(0)]
    assert page["pageInfo"]["hasNextPage"] is False


async def test_total_count_is_asked_upstream_only_when_selected(
    access: AccessPortal, fhir_base_url: str
) -> None:
    record = new_record(fhir_base_url, 3)
    token = await session_for(access, record.patient)
    body, sent = await counted(access, TOTAL, {"id": record.patient, "first": 2}, token)
    assert body["data"]["patient"]["results"]["totalCount"] == 3
    assert len(sent) == 1 and "_total=accurate" in sent[0], sent
    body, sent = await counted(access, RESULTS, {"id": record.patient, "first": 2}, token)
    assert all("_total" not in s for s in sent)


async def test_filters_category_code_and_dates(access: AccessPortal) -> None:
    ava = await session_for(access, "pat-ava-chen", "person-ava-chen")
    everything = await _ids(access, "pat-ava-chen", ava)
    assert everything and await _ids(access, "pat-ava-chen", ava, category="LAB") == everything
    assert await _ids(access, "pat-ava-chen", ava, category="RAD") == []
    marcus = await session_for(access, "pat-marcus-johnson", "person-marcus-johnson")
    all_marcus = await _ids(access, "pat-marcus-johnson", marcus)
    body, _ = await counted(
        access, RESULTS, {"id": "pat-marcus-johnson", "code": "http://loinc.org|4548-4"}, marcus
    )
    a1c = _results(body)["nodes"]
    assert a1c and {n["id"] for n in a1c} < set(all_marcus)
    assert all(n["code"]["coding"][0]["code"] == "4548-4" for n in a1c)
    body, sent = await counted(
        access, RESULTS, {"id": "pat-ava-chen", "code": "http://loinc.org|58410-2"}, ava
    )
    assert "code=http://loinc.org|58410-2" in sent[-1]
    body, _ = await counted(access, RESULTS, {"id": "pat-ava-chen", "first": 100}, ava)
    dates = sorted(n["effectiveDateTime"][:10] for n in _results(body)["nodes"])
    oldest, newest = dates[0], dates[-1]
    assert oldest < newest
    assert len(await _ids(access, "pat-ava-chen", ava, to=oldest)) == dates.count(oldest)
    assert len(await _ids(access, "pat-ava-chen", ava, **{"from": newest})) == dates.count(newest)

    grace = await session_for(access, "pat-grace-okafor", "person-grace-okafor")
    body, _ = await counted(access, RESULTS, {"id": "pat-grace-okafor", "category": "RAD"}, grace)
    (imaging,) = _results(body)["nodes"]
    assert imaging["id"] == catalog.IMAGING_REPORT and imaging["conclusion"]
    assert imaging["presentedForm"] and imaging["presentedForm"][0]["contentType"]
    assert imaging["category"][0]["coding"][0]["code"] == "RAD"
    ethan = await session_for(access, "pat-ethan-brooks", "person-ethan-brooks")
    assert await _ids(access, "pat-ethan-brooks", ethan, category="PATHOLOGY") == [catalog.PATHOLOGY_REPORT]
