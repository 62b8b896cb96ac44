"""``patient.observationTrend``: one code's series for charts, its release rule and its upstream cost."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.integration.gateway.access_support import AccessPortal
from tests.integration.gateway.records_support import LAB_OBS, LOINC, counted, put, session_for

TREND = """
query T($id: ID!, $code: String!, $from: FhirDate, $to: FhirDate) {
  patient(id: $id) {
    observationTrend(code: $code, from: $from, to: $to) {
      code unit pointCount name { coding { code display } }
      points {
        observationId time preliminary
        value { value unit }
        interpretation { coding { code } }
        referenceRange { low { value } high { value } }
        components { code { coding { code } } value { value unit } }
      }
    }
  }
}
"""
HBA1C = "4548-4"
TOKEN = f"{LOINC}|{HBA1C}"  # system|code: what a frontend sends (a code alone searches every system)


def _observation(patient: str, n: int, *, code: str = HBA1C, **extra: Any) -> dict[str, Any]:
    when = datetime(2021, 1, 1, 8, tzinfo=UTC) + timedelta(days=n)
    return {
        "resourceType": "Observation",
        "id": f"{patient}-o{n}",
        "status": "final",
        "category": [LAB_OBS],
        "code": {"coding": [{"system": LOINC, "code": code, "display": "Hemoglobin A1c"}]},
        "subject": {"reference": f"Patient/{patient}"},
        "effectiveDateTime": when.isoformat(),
        "valueQuantity": {"value": 5 + (n % 30) / 10, "unit": "%", "system": "http://unitsofmeasure.org"},
        "referenceRange": [{"low": {"value": 4.0, "unit": "%"}, "high": {"value": 5.6, "unit": "%"}}],
        **extra,
    }


def _patient(base: str, points: int, extra: list[dict[str, Any]] | None = None) -> str:
    patient = f"trend-{uuid.uuid4().hex[:10]}"
    put(
        base,
        [{"resourceType": "Patient", "id": patient, "name": [{"family": "Testcase", "given": ["Trend"]}]}],
    )
    observations = [_observation(patient, n) for n in range(points)] + (extra or [])
    for start in range(0, len(observations), 500):
        put(base, observations[start : start + 500])
    return patient


def _trend(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    trend: dict[str, Any] = body["data"]["patient"]["observationTrend"]
    return trend


async def test_a_trend_of_1000_points_costs_2_upstream_requests(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient = _patient(fhir_base_url, 1000)
    token = await session_for(access, patient)
    body, sent = await counted(access, TREND, {"id": patient, "code": TOKEN}, token)
    trend = _trend(body)
    assert trend["pointCount"] == 1000 == len(trend["points"])
    assert [p["observationId"] for p in trend["points"]] == [f"{patient}-o{n}" for n in range(1000)]
    assert trend["unit"] == "%"
    assert trend["points"][0]["referenceRange"][0]["high"]["value"] == "5.6"
    # Two batches: the first page with its total beside the Patient read (patient(id) itself), then the
    # other nine pages by _offset.
    print(f"observationTrend, 1000 points: {len(sent)} requests: {sent}")
    assert len(sent) == 2, sent
    first, rest = (r.batched for r in access.recorder.requests)
    assert sorted(e.split("?")[0] for e in first) == ["GET /fhir/Observation", f"GET /fhir/Patient/{patient}"]
    assert any("_total=accurate" in e for e in first), first
    assert len(rest) == 9 and all("_offset=" in e for e in rest), rest


async def test_the_release_rule_the_window_and_other_codes(access: AccessPortal, fhir_base_url: str) -> None:
    placeholder = "placeholder"
    extra = [
        _observation(placeholder, 500, code="2345-7"),  # another code
        _observation(placeholder, 501, status="preliminary"),
        _observation(placeholder, 502, status="entered-in-error"),
        _observation(
            placeholder, 503, meta={"tag": [{"system": "urn:portal-gateway:release-hold", "code": "hold"}]}
        ),
    ]
    patient = _patient(fhir_base_url, 30)
    for observation in extra:
        observation["id"] = observation["id"].replace(placeholder, patient)
        observation["subject"] = {"reference": f"Patient/{patient}"}
    put(fhir_base_url, extra)
    token = await session_for(access, patient)
    body, _ = await counted(access, TREND, {"id": patient, "code": TOKEN}, token)
    points = _trend(body)["points"]
    assert len(points) == 31  # 30 final and the preliminary; not the other code, the error or the held one
    assert points[-1]["observationId"] == f"{patient}-o501" and points[-1]["preliminary"] is True
    window = {"id": patient, "code": TOKEN, "from": "2021-01-05", "to": "2021-01-09"}
    body, sent = await counted(access, TREND, window, token)
    assert [p["observationId"] for p in _trend(body)["points"]] == [f"{patient}-o{n}" for n in range(4, 9)]
    # One request: the Patient read and the one page go together (no _offset pages for a short series).
    assert len(sent) == 1, sent
    assert sorted(e.split("?")[0] for e in access.recorder.flat()) == [
        "GET /fhir/Observation",
        f"GET /fhir/Patient/{patient}",
    ]


async def test_blood_pressure_comes_with_its_components(access: AccessPortal) -> None:
    token = await session_for(access, "pat-maria-lopez")
    body, _ = await counted(access, TREND, {"id": "pat-maria-lopez", "code": f"{LOINC}|85354-9"}, token)
    trend = _trend(body)
    assert trend["pointCount"] >= 2
    for point in trend["points"]:
        assert point["value"] is None
        codes = [c["code"]["coding"][0]["code"] for c in point["components"]]
        assert codes == ["8480-6", "8462-4"]
        assert all(c["value"]["unit"] == "mm[Hg]" for c in point["components"])
    assert trend["unit"] == "mm[Hg]"
    times = [p["time"] for p in trend["points"]]
    assert times == sorted(times)


async def test_bad_input_sends_no_observation_search(access: AccessPortal) -> None:
    token = await session_for(access, "pat-maria-lopez")
    for variables in ({"code": "a b"}, {"code": HBA1C, "from": "2024-02-01", "to": "2024-01-01"}):
        body, sent = await counted(access, TREND, {"id": "pat-maria-lopez", **variables}, token)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
        assert not [s for s in sent if "Observation" in s], sent


async def test_a_server_without_offset_paging_is_read_by_its_links(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient = _patient(fhir_base_url, 250)
    token = await session_for(access, patient)
    access.recorder.ignore_param("_offset")  # the server answers every _offset page as the first one
    body, sent = await counted(access, TREND, {"id": patient, "code": TOKEN}, token)
    assert [p["observationId"] for p in _trend(body)["points"]] == [f"{patient}-o{n}" for n in range(250)]
    # The first page (beside the Patient read), the batch that showed _offset is ignored, then the server's
    # two next links.
    assert [s.split(" [")[0].split("?")[0] for s in sent] == [
        "POST /fhir",
        "POST /fhir",
        "GET /fhir",
        "GET /fhir",
    ], sent
    assert sum("_offset=" in e for e in access.recorder.requests[1].batched) == 2
