"""Observations (every value[x] kind), conditions, allergies, immunizations, care team, contact details and
a proxy's view of them (issue #6). Each list query's upstream cost is asserted."""

from __future__ import annotations

from typing import Any

from fixtures import catalog
from tests.integration.gateway.access_support import AccessPortal
from tests.integration.gateway.records_support import LAB_OBS, counted, new_record, put, session_for

OBSERVATIONS = """
query O($id: ID!, $category: ObservationCategory, $code: String, $first: Int, $after: String) {
  patient(id: $id) {
    observations(category: $category, code: $code, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id status preliminary issued effectiveDateTime effectivePeriod { start end }
        category { coding { code } }
        code { coding { system code display } }
        value { __typename ...V }
        dataAbsentReason { text }
        interpretation { coding { system code } }
        referenceRange { low { value unit } high { value unit } text }
        component { code { coding { code } } value { __typename ...V } }
        performer { __typename ... on Practitioner { id } ... on Organization { id } }
      }
    }
  }
}
fragment V on ObservationValue {
  ... on Quantity { value unit system code comparator }
  ... on CodeableConcept { text coding { code } }
  ... on StringValue { string: value }
  ... on BooleanValue { boolean: value }
  ... on IntegerValue { integer: value }
  ... on Range { low { value } high { value } }
  ... on Ratio { numerator { value } denominator { value } }
  ... on SampledData { sampleCount dimensions period factor origin { value } }
  ... on TimeValue { time: value }
  ... on DateTimeValue { dateTime: value }
  ... on Period { start end }
}
"""
RECORDS = """
query P($id: ID!) {
  patient(id: $id) {
    id telecom { system value use } address { line city state postalCode }
    generalPractitioner { __typename ... on Practitioner { id name { family } } }
    careTeam { id status participant { role { text } member { __typename ... on Practitioner { id } } } }
    conditions { totalCount nodes { id code { coding { system code display } }
      clinicalStatus { coding { code } } verificationStatus { coding { code } } category { coding { code } }
      onsetDateTime recordedDate } }
    allergies { nodes { id type category criticality code { text }
      reaction { manifestation { text } severity } } }
    immunizations(first: 100) { nodes { id status vaccineCode { coding { system code } } occurrenceDateTime
      lotNumber doseNumber primarySource } }
  }
}
"""


def _q(code: str, **value: Any) -> dict[str, Any]:
    return {"code": {"coding": [{"system": "http://loinc.org", "code": code}]}, **value}


def _kinds(patient: str) -> list[dict[str, Any]]:
    subject = {"reference": f"Patient/{patient}"}
    values: list[dict[str, Any]] = [
        {
            "valueQuantity": {
                "value": 7.25,
                "comparator": "<",
                "unit": "%",
                "system": "http://unitsofmeasure.org",
                "code": "%",
            }
        },
        {"valueCodeableConcept": {"text": "Positive", "coding": [{"code": "10828004"}]}},
        {"valueString": "See note"},
        {"valueBoolean": False},
        {"valueInteger": 3},
        {"valueRange": {"low": {"value": 1}, "high": {"value": 2}}},
        {"valueRatio": {"numerator": {"value": 1}, "denominator": {"value": 128}}},
        {
            "valueSampledData": {
                "origin": {"value": 0},
                "period": 10,
                "factor": 1.5,
                "dimensions": 1,
                "data": "1 2 3 4",
            }
        },
        {"valueTime": "08:30:00"},
        {"valueDateTime": "2025-03-01T08:00:00Z"},
        {"valuePeriod": {"start": "2025-03-01", "end": "2025-03-02"}},
        {"dataAbsentReason": {"text": "Not performed"}},
        {
            "component": [
                _q("8480-6", valueQuantity={"value": 120}),
                _q("8462-4", valueQuantity={"value": 80}),
            ]
        },
    ]
    out = []
    for n, value in enumerate(values):
        out.append(
            {
                "resourceType": "Observation",
                "id": f"{patient}-kind-{n}",
                "status": "final",
                "category": [LAB_OBS],
                "subject": subject,
                "effectiveDateTime": f"2026-01-{n + 1:02d}T00:00:00Z",
                **_q(f"9999-{n}"),
                **value,
            }
        )
    out.append(
        {
            **out[0],
            "id": f"{patient}-kind-cancelled",
            "status": "cancelled",
            "effectiveDateTime": "2026-02-01",
        }
    )
    out.append(
        {
            **out[0],
            "id": f"{patient}-kind-held",
            "effectiveDateTime": "2026-02-02",
            "meta": {"tag": [{"system": "urn:portal-gateway:release-hold", "code": "hold"}]},
        }
    )
    return out


def _data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body
    return body["data"]["patient"]


async def test_every_value_kind_newest_first(access: AccessPortal, fhir_base_url: str) -> None:
    record = new_record(fhir_base_url, 0)
    put(fhir_base_url, _kinds(record.patient))
    token = await session_for(access, record.patient)
    body, sent = await counted(access, OBSERVATIONS, {"id": record.patient, "first": 20}, token)
    page = _data(body)["observations"]
    assert page["totalCount"] == 13 and page["pageInfo"]["hasNextPage"] is False
    nodes = list(reversed(page["nodes"]))  # oldest (kind 0) first
    assert [n["id"] for n in nodes] == [f"{record.patient}-kind-{n}" for n in range(13)]
    values = [n["value"] for n in nodes]
    assert values[0] == {
        "__typename": "Quantity",
        "value": "7.25",
        "unit": "%",
        "system": "http://unitsofmeasure.org",
        "code": "%",
        "comparator": "<",
    }
    assert values[1]["__typename"] == "CodeableConcept" and values[1]["text"] == "Positive"
    assert values[2] == {"__typename": "StringValue", "string": "See note"}
    assert values[3] == {"__typename": "BooleanValue", "boolean": False}
    assert values[4] == {"__typename": "IntegerValue", "integer": 3}
    assert values[5] == {"__typename": "Range", "low": {"value": "1"}, "high": {"value": "2"}}
    assert values[6]["__typename"] == "Ratio" and values[6]["denominator"] == {"value": "128"}
    assert values[7] == {
        "__typename": "SampledData",
        "sampleCount": 4,
        "dimensions": 1,
        "period": "10",
        "factor": "1.5",
        "origin": {"value": "0"},
    }
    assert values[8] == {"__typename": "TimeValue", "time": "08:30:00"}
    assert values[9] == {"__typename": "DateTimeValue", "dateTime": "2025-03-01T08:00:00Z"}
    assert values[10] == {"__typename": "Period", "start": "2025-03-01", "end": "2025-03-02"}
    assert values[11] is None and nodes[11]["dataAbsentReason"] == {"text": "Not performed"}
    assert [c["value"]["value"] for c in nodes[12]["component"]] == [
        "120",
        "80",
    ]  # FHIR decimals keep their precision: Decimal scalars are strings
    assert all(n["status"] == "FINAL" and n["preliminary"] is False for n in nodes)
    # One batch: the Patient read and one search (performers included, total counted in it).
    assert len(sent) == 1 and "GET /fhir/Patient/" in sent[0], sent
    assert "_total=accurate" in sent[0] and "_include=Observation:performer" in sent[0]


async def test_lab_observations_of_the_fixtures_with_filters(access: AccessPortal) -> None:
    ava = await session_for(access, "pat-ava-chen", "person-ava-chen")
    body, sent = await counted(
        access, OBSERVATIONS, {"id": "pat-ava-chen", "category": "LABORATORY", "first": 100}, ava
    )
    labs = _data(body)["observations"]["nodes"]
    assert labs and all(n["category"][0]["coding"][0]["code"] == "laboratory" for n in labs)
    quantity = next(n for n in labs if n["interpretation"])
    assert quantity["value"]["__typename"] == "Quantity" and quantity["value"]["unit"]
    assert quantity["referenceRange"][0]["low"] or quantity["referenceRange"][0]["high"]
    assert {p["id"] for n in labs for p in n["performer"]} == {"org-valley-lab"}
    assert any(n["preliminary"] for n in labs)  # the repeat CBC's values
    assert len(sent) == 1, sent  # the Patient read and the search, in one batch
    assert "category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory" in sent[0]
    body, sent = await counted(
        access,
        OBSERVATIONS,
        {"id": "pat-ava-chen", "category": "VITAL_SIGNS", "code": "http://loinc.org|85354-9"},
        ava,
    )
    bp = _data(body)["observations"]["nodes"]
    assert len(bp) == 2 and all(len(n["component"]) == 2 for n in bp)
    assert bp[0]["effectiveDateTime"] > bp[1]["effectiveDateTime"]
    assert len(sent) == 1, sent
    newest, oldest = bp[0]["effectiveDateTime"][:10], bp[1]["effectiveDateTime"][:10]
    dated = OBSERVATIONS.replace("$first: Int", "$first: Int, $from: FhirDate, $to: FhirDate").replace(
        "first: $first,", "first: $first, dateFrom: $from, dateTo: $to,"
    )
    bp_code = {"id": "pat-ava-chen", "code": "http://loinc.org|85354-9"}
    body, sent = await counted(access, dated, {**bp_code, "from": newest}, ava)
    assert [n["id"] for n in _data(body)["observations"]["nodes"]] == [bp[0]["id"]]
    assert f"date=ge{newest}" in sent[-1] and len(sent) == 1
    body, _ = await counted(access, dated, {**bp_code, "to": oldest}, ava)
    assert [n["id"] for n in _data(body)["observations"]["nodes"]] == [bp[1]["id"]]


async def test_records_contact_and_care_team(access: AccessPortal) -> None:
    grace = await session_for(access, "pat-grace-okafor", "person-grace-okafor")
    body, sent = await counted(access, RECORDS, {"id": "pat-grace-okafor"}, grace)
    patient = _data(body)
    assert {t["system"] for t in patient["telecom"]} >= {"phone", "email"}
    assert patient["address"][0]["city"]
    assert patient["generalPractitioner"] == [
        {"__typename": "Practitioner", "id": "prac-carmen-rivera", "name": [{"family": "Rivera"}]}
    ]
    (team,) = patient["careTeam"]
    assert team["id"] == "careteam-grace-okafor" and len(team["participant"]) == 2
    assert patient["conditions"]["totalCount"] == len(patient["conditions"]["nodes"]) >= 1
    assert all(
        c["code"]["coding"][0]["system"] == "http://snomed.info/sct" for c in patient["conditions"]["nodes"]
    )
    peanut = next(a for a in patient["allergies"]["nodes"] if a["code"]["text"] == "Peanut")
    assert peanut["criticality"] == "high" and peanut["category"] == ["food"] and peanut["reaction"]
    imms = patient["immunizations"]["nodes"]
    assert imms and all(
        i["vaccineCode"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/cvx" for i in imms
    )
    assert [i["occurrenceDateTime"] for i in imms] == sorted(
        (i["occurrenceDateTime"] for i in imms), reverse=True
    )
    # One batch: the Patient with its GP included, CareTeam with its members included, one search per list.
    assert len(sent) == 1, sent
    entries = sent[0].split(" [", 1)[1]
    for searched in ("Patient?", "CareTeam?", "Condition?", "AllergyIntolerance?", "Immunization?"):
        assert f"GET /fhir/{searched}" in entries
    assert "_include=Patient:general-practitioner" in entries


async def test_a_proxy_sees_no_restricted_items(access: AccessPortal) -> None:
    sofia = await session_for(access, catalog.SOFIA, "person-sofia-lopez")
    maria = await session_for(access, catalog.MARIA, catalog.MARIA_PERSON)
    daniel = await session_for(access, catalog.DANIEL, catalog.DANIEL_PERSON)
    own, _ = await counted(access, OBSERVATIONS, {"id": catalog.SOFIA, "first": 100}, sofia)
    as_proxy, sent = await counted(access, OBSERVATIONS, {"id": catalog.SOFIA, "first": 100}, maria)
    own_ids = {n["id"] for n in _data(own)["observations"]["nodes"]}
    proxy_page = _data(as_proxy)["observations"]
    assert catalog.RESTRICTED_OBSERVATION in own_ids
    assert {n["id"] for n in proxy_page["nodes"]} == own_ids - {catalog.RESTRICTED_OBSERVATION}
    assert proxy_page["totalCount"] == len(own_ids) - 1  # counted upstream without the restricted one
    assert "_security:not=" in sent[-1]
    mine, _ = await counted(access, RECORDS, {"id": catalog.MARIA}, maria)
    theirs, _ = await counted(access, RECORDS, {"id": catalog.MARIA}, daniel)
    mine_ids = {c["id"] for c in _data(mine)["conditions"]["nodes"]}
    assert catalog.RESTRICTED_CONDITION in mine_ids
    assert {c["id"] for c in _data(theirs)["conditions"]["nodes"]} == mine_ids - {
        catalog.RESTRICTED_CONDITION
    }
    assert _data(theirs)["conditions"]["totalCount"] == len(mine_ids) - 1
