"""Medications (MedicationRequest) against the real HAPI server: the list, its drug, dosage, prescriber and
renewability, and its upstream cost (issue #12)."""

from __future__ import annotations

import uuid
from typing import Any

from fixtures import catalog
from tests.integration.gateway.access_support import AccessPortal
from tests.integration.gateway.medications_support import MEDICATIONS, medication, order
from tests.integration.gateway.records_support import counted, put, session_for


def _page(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["patient"]["medications"]
    return page


def _by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in _page(body)["nodes"]}


async def test_a_page_of_50_medications_with_drugs_and_prescribers_costs_at_most_3_requests(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient = f"rx-{uuid.uuid4().hex[:10]}"
    drugs = [medication(f"{patient}-med-{n}") for n in range(5)]
    prescribers = ("Practitioner/prac-helen-lee", "Practitioner/prac-carmen-rivera")
    orders = [
        order(
            patient,
            f"{patient}-rx-{n:02d}",
            medication=drugs[n % 5]["id"] if n % 2 else None,
            requester=prescribers[n % 2],
            authored=f"2026-01-01T10:{n:02d}:00-05:00",
        )
        for n in range(50)
    ]
    put(fhir_base_url, [{"resourceType": "Patient", "id": patient}, *drugs, *orders])
    token = await session_for(access, patient)
    body, sent = await counted(access, MEDICATIONS, {"id": patient, "first": 50, "status": "ALL"}, token)
    page = _page(body)
    assert [n["id"] for n in page["nodes"]] == [f"{patient}-rx-{n:02d}" for n in range(49, -1, -1)]
    for n, node in enumerate(reversed(page["nodes"])):
        if n % 2:  # a referenced Medication, read with the page
            assert node["medication"]["id"] == drugs[n % 5]["id"]
            assert node["medication"]["form"]["text"] == "Tablet"
        else:  # coded in the order
            assert node["medication"]["id"] is None
            assert node["medication"]["code"]["coding"] == [
                {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "314076"}
            ]
        assert node["prescriber"] == {"__typename": "Practitioner", "id": prescribers[n % 2].split("/")[1]}
        assert (
            node["dosageInstruction"][0]["frequency"] == 2 and node["dosageInstruction"][0]["dose"]["value"]
        )
        assert node["dispenseRequest"]["numberOfRepeatsAllowed"] == 2
        assert node["renewable"] is True and node["notRenewableReason"] is None
    assert page["totalCount"] == 50 and page["pageInfo"]["hasNextPage"] is False
    assert len(sent) <= 3, sent
    assert len(sent) == 1, sent  # one batch: the Patient and one search with drugs, prescribers, requests
    search = next(s for s in sent if "/MedicationRequest?" in s)
    for part in (
        "_include=MedicationRequest:medication",
        "_include=MedicationRequest:requester",
        "_revinclude=Task:focus",
    ):
        assert part in search, search


async def test_the_fixtures_active_and_all_orders_with_their_renewability(access: AccessPortal) -> None:
    omar = await session_for(access, "pat-omar-haddad", "person-omar-haddad")
    body, sent = await counted(access, MEDICATIONS, {"id": "pat-omar-haddad"}, omar)  # ACTIVE by default
    assert list(_by_id(body)) == ["medrx-omar-haddad-402014"]
    assert "status=active" in next(s for s in sent if "/MedicationRequest?" in s)
    body, _ = await counted(access, MEDICATIONS, {"id": "pat-omar-haddad", "status": "ALL"}, omar)
    nodes = _by_id(body)
    stopped = nodes[catalog.STOPPED_MEDICATION]
    assert (stopped["status"], stopped["renewable"], stopped["notRenewableReason"]) == (
        "STOPPED",
        False,
        "NOT_ACTIVE",
    )
    assert stopped["statusReason"]["text"] == "Dose reduced after symptoms improved"
    assert nodes["medrx-omar-haddad-402014"]["priorPrescriptionId"] == catalog.STOPPED_MEDICATION

    hannah = await session_for(access, "pat-hannah-kim", "person-hannah-kim")
    body, _ = await counted(access, MEDICATIONS, {"id": "pat-hannah-kim"}, hannah)
    weekly = _by_id(body)[catalog.MEDICATION_BY_REFERENCE]
    assert weekly["medication"]["id"] == catalog.REFERENCED_MEDICATION
    assert weekly["medication"]["form"]["text"] == "Tablet"
    assert weekly["medication"]["ingredient"][0]["strength"]["numerator"] == {"value": "70", "unit": "mg"}
    assert weekly["dosageInstruction"][0] | {"text": None} == {
        "text": None,
        "dose": {"value": "1", "unit": "tablet"},
        "route": {"text": "Oral route"},
        "frequency": 1,
        "period": "1",
        "periodUnit": "wk",
        "asNeeded": False,
    }

    marcus = await session_for(access, "pat-marcus-johnson", "person-marcus-johnson")
    body, _ = await counted(access, MEDICATIONS, {"id": "pat-marcus-johnson"}, marcus)
    nodes = _by_id(body)
    waiting = nodes[catalog.RENEWAL_REQUESTED_MEDICATION]
    assert (waiting["renewable"], waiting["notRenewableReason"]) == (False, "ALREADY_REQUESTED")
    assert waiting["openRefillRequestId"] == catalog.OPEN_RENEWAL_REQUEST
    assert nodes[catalog.RENEWABLE_MEDICATION]["renewable"] is True


async def test_proxies_see_whether_their_access_includes_renewals(start_access: Any) -> None:
    async with start_access() as access:
        f = access.family
        for key, renewable, reason in (
            ("pat", True, None),
            ("sm", True, None),
            ("ro", False, "NOT_PERMITTED"),
        ):
            body, _ = await counted(access, MEDICATIONS, {"id": f.patient("pat")}, await access.token(key))
            node = _by_id(body)[f.medication_request]
            assert (node["renewable"], node["notRenewableReason"]) == (renewable, reason), key
    # A practice that keeps renewals to the patient: the SCHEDULING_MESSAGING proxy may not ask either.
    async with start_access(refill_levels=("SELF",)) as access:
        body, _ = await counted(
            access, MEDICATIONS, {"id": access.family.patient("pat")}, await access.token("sm")
        )
        assert _by_id(body)[access.family.medication_request]["notRenewableReason"] == "NOT_PERMITTED"


async def test_a_restricted_prescription_is_never_shown_to_a_proxy(access: AccessPortal) -> None:
    daniel = await session_for(access, catalog.DANIEL, catalog.DANIEL_PERSON)  # READ_ONLY proxy for Maria
    body, sent = await counted(access, MEDICATIONS, {"id": catalog.MARIA, "status": "ALL"}, daniel)
    assert catalog.RESTRICTED_MEDICATION not in _by_id(body)
    assert "_security:not=" in next(s for s in sent if "/MedicationRequest?" in s)
    maria = await session_for(access, catalog.MARIA, catalog.MARIA_PERSON)
    body, _ = await counted(access, MEDICATIONS, {"id": catalog.MARIA, "status": "ALL"}, maria)
    assert catalog.RESTRICTED_MEDICATION in _by_id(body)


async def test_paging_through_the_medications(access: AccessPortal, fhir_base_url: str) -> None:
    patient = f"rx-{uuid.uuid4().hex[:10]}"
    orders = [
        order(patient, f"{patient}-rx-{n}", authored=f"2026-02-0{n + 1}T10:00:00-05:00") for n in range(5)
    ]
    put(fhir_base_url, [{"resourceType": "Patient", "id": patient}, *orders])
    token = await session_for(access, patient)
    seen, after = [], None
    while True:
        body, sent = await counted(access, MEDICATIONS, {"id": patient, "first": 2, "after": after}, token)
        page = _page(body)
        seen += [n["id"] for n in page["nodes"]]
        assert len(sent) == (1 if after is None else 2), sent  # later pages: the paging link and the Patient
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"{patient}-rx-{n}" for n in range(4, -1, -1)]
