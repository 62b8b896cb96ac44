"""The benchmark's data set: synthetic patients with everything a dashboard shows, and three patients of
growing record size.

- ``bench-p01`` .. ``bench-p50`` (one per load client): 12 released lab reports with their Observations
  (performer: the practice's laboratory), 3 upcoming and 2 past appointments with the practice's clinicians,
  3 active prescriptions and a stopped one, a message thread with 2 unread messages from the practice, and a
  billing account with an open statement.
- ``bench-g00100``, ``bench-g01000``, ``bench-g10000``: exactly 100, 1,000 and 10,000 lab Observations,
  grouped into reports of one panel each (about 5 per report), spread over ten years.

Everything references the demo practice (``fixtures``), which is loaded first. Loading is idempotent (PUT);
a ``Basic/bench-dataset`` marker holds a digest of the set, so a server that already has it is not loaded
again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import orjson

from fixtures.billing import statement_invoice
from fixtures.clock import at, next_weekday
from fixtures.fhir import (
    LOINC,
    MESSAGE_TOPIC_SYSTEM,
    MRN_SYSTEM,
    RXNORM,
    Resource,
    concept,
    human_name,
    identifier,
    quantity,
    ref,
    resource,
    text_concept,
)
from fixtures.labs import (
    LAB_CATEGORY,
    LAB_PERFORMER,
    PANELS,
    Analyte,
    lab_observation,
)
from fixtures.load import client_for, load_practice, post_all, transaction, transactions
from fixtures.practice import clinician_ref, location_ref

CLIENTS = 50
"""Dashboard patients, one per concurrent client of the load scenario."""
GROWTH = (100, 1_000, 10_000)
"""Observations of the growth patients."""
REPORTS_PER_PATIENT = 12
PANEL_CYCLE = ("cbc", "lipid", "tsh", "hba1c", "cmp")
CLINICIANS = ("drlee", "drnguyen", "nprivera", "drbrandt", "drholm")
MEDICATIONS = (
    ("314076", "lisinopril 10 MG Oral Tablet", "Take 1 tablet by mouth once daily"),
    ("860975", "metformin hydrochloride 500 MG Oral Tablet", "Take 1 tablet by mouth twice daily with meals"),
    ("617312", "atorvastatin 10 MG Oral Tablet", "Take 1 tablet by mouth at bedtime"),
    ("197361", "amlodipine 5 MG Oral Tablet", "Take 1 tablet by mouth once daily"),
)
MARKER = "bench-dataset"


def dashboard_patient(number: int) -> str:
    """The id of dashboard patient ``number`` (1-based)."""
    return f"bench-p{number:02d}"


def growth_patient(observations: int) -> str:
    """The id of the growth patient with ``observations`` Observations."""
    return f"bench-g{observations:05d}"


@dataclass(frozen=True, slots=True)
class DataSet:
    """The resources in load order: people first (everything else references them), then groups of records
    that reference each other only within the group (a report and its members), so groups load in parallel.
    """

    people: tuple[Resource, ...]
    groups: tuple[tuple[Resource, ...], ...]

    @property
    def records(self) -> Iterator[Resource]:
        """Every record, in order."""
        for group in self.groups:
            yield from group

    @property
    def digest(self) -> str:
        """A digest of every resource, for the marker."""
        hashed = hashlib.sha256()
        for item in (*self.people, *self.records):
            hashed.update(orjson.dumps(item, option=orjson.OPT_SORT_KEYS))
        return hashed.hexdigest()[:32]

    def bundles(self, size: int) -> list[list[Resource]]:
        """The records packed into bundles of about ``size`` entries, never splitting a group."""
        out: list[list[Resource]] = [[]]
        for group in self.groups:
            if out[-1] and len(out[-1]) + len(group) > size:
                out.append([])
            out[-1].extend(group)
        return [bundle for bundle in out if bundle]


def build(today: date) -> DataSet:
    """The whole data set for the load day ``today``."""
    people: list[Resource] = []
    groups: list[tuple[Resource, ...]] = []
    for number in range(1, CLIENTS + 1):
        pid = dashboard_patient(number)
        people += _person(pid, number)
        groups += _reports(pid, REPORTS_PER_PATIENT * 5, today, years=2, limit_reports=REPORTS_PER_PATIENT)
        groups.append(tuple(_appointments(pid, number, today)))
        groups.append(tuple(_medications(pid, number, today)))
        groups.append(tuple(_thread(pid, number, today)))
        groups.append(tuple(_billing(pid, today)))
    for index, count in enumerate(GROWTH, start=1):
        pid = growth_patient(count)
        people += _person(pid, 900 + index)
        groups += _reports(pid, count, today, years=10)
    return DataSet(tuple(people), tuple(groups))


def load(base_url: str, data: DataSet, *, workers: int = 2) -> bool:
    """Load the practice and ``data`` unless the server holds this very data set already.

    Returns:
        Whether anything was loaded.
    """
    digest = data.digest
    with client_for(base_url) as client:
        if _marker(client) == digest:
            return False
        load_practice(base_url)
        post_all(client, transactions(list(data.people), 250))
        post_all(client, [transaction(bundle) for bundle in data.bundles(250)], workers=workers)
        marker = resource("Basic", MARKER, code=text_concept(digest))
        client.put(f"Basic/{MARKER}", json=marker, headers={"Content-Type": "application/fhir+json"})
    return True


def _marker(client: httpx.Client) -> str | None:
    response = client.get(f"Basic/{MARKER}")
    if response.status_code != 200:
        return None
    text = response.json().get("code", {}).get("text")
    return text if isinstance(text, str) else None


def _person(pid: str, number: int) -> list[Resource]:
    name = human_name("Bench", f"Patient{number:03d}")
    patient = resource(
        "Patient",
        pid,
        identifier=[identifier(MRN_SYSTEM, f"BENCH{number:05d}", use="usual", type_code="MR")],
        active=True,
        name=[name],
        gender="female" if number % 2 else "male",
        birthDate=(date(1960, 1, 1) + timedelta(days=number * 211)).isoformat(),
        generalPractitioner=[clinician_ref(CLINICIANS[number % len(CLINICIANS)])],
    )
    person = resource(
        "Person",
        f"{pid}-person",
        active=True,
        name=[name],
        link=[{"target": ref("Patient", pid), "assurance": "level3"}],
    )
    return [patient, person]


def _reports(
    pid: str, observations: int, today: date, *, years: int, limit_reports: int | None = None
) -> Iterator[tuple[Resource, ...]]:
    """Reports of one panel each, with their members, until ``observations`` members (members first)."""
    made, number = 0, 0
    span = years * 365
    while made < observations and (limit_reports is None or number < limit_reports):
        panel = PANELS[PANEL_CYCLE[number % len(PANEL_CYCLE)]]
        analytes = panel.analytes[: observations - made]
        number += 1
        made += len(analytes)
        # Oldest first; the newest report was drawn two days ago.
        drawn = at(today - timedelta(days=2 + span - (span * made) // observations), 8, 40)
        collected = drawn.isoformat(timespec="seconds")
        issued = (drawn + timedelta(hours=6)).isoformat(timespec="seconds")
        report_id = f"{pid}-r{number:05d}"
        members = [_result(pid, report_id, analyte, collected, issued, made) for analyte in analytes]
        report = resource(
            "DiagnosticReport",
            report_id,
            status="final",
            category=[LAB_CATEGORY],
            code=concept(LOINC, panel.loinc, panel.display),
            subject=ref("Patient", pid),
            effectiveDateTime=collected,
            issued=issued,
            performer=[LAB_PERFORMER],
            resultsInterpreter=[clinician_ref("drholm")],
            result=[ref("Observation", member["id"]) for member in members],
        )
        yield (*members, report)


def _result(pid: str, report_id: str, analyte: Analyte, collected: str, issued: str, seed: int) -> Resource:
    low = analyte.low if analyte.low is not None else analyte.high * 0.5
    value = round(low + (analyte.high - low) * ((seed * 37 + len(analyte.key)) % 110) / 100, 2)
    return lab_observation(
        f"{report_id}-{analyte.key}", "final", ref("Patient", pid), analyte, value, collected, issued
    )


def _appointments(pid: str, number: int, today: date) -> list[Resource]:
    out = []
    for index, days in enumerate((-60, -20, 3, 9, 16)):
        day = next_weekday(today, days) if days > 0 else today + timedelta(days=days)
        start = at(day, 9 + (number + index) % 7, 30 if index % 2 else 0)
        clinician = CLINICIANS[(number + index) % len(CLINICIANS)]
        out.append(
            resource(
                "Appointment",
                f"{pid}-a{index + 1}",
                status="booked" if days > 0 else "fulfilled",
                appointmentType=concept("http://terminology.hl7.org/CodeSystem/v2-0276", "ROUTINE"),
                reasonCode=[text_concept("Follow-up visit")],
                description="Follow-up visit",
                start=start.isoformat(timespec="seconds"),
                end=(start + timedelta(minutes=30)).isoformat(timespec="seconds"),
                minutesDuration=30,
                participant=[
                    {"actor": ref("Patient", pid), "required": "required", "status": "accepted"},
                    {"actor": clinician_ref(clinician), "required": "required", "status": "accepted"},
                    {"actor": location_ref(), "required": "required", "status": "accepted"},
                ],
            )
        )
    return out


def _medications(pid: str, number: int, today: date) -> list[Resource]:
    out = []
    for index, (code, display, instruction) in enumerate(MEDICATIONS):
        authored = today - timedelta(days=30 + 40 * index + number)
        out.append(
            resource(
                "MedicationRequest",
                f"{pid}-m{index + 1}",
                status="stopped" if index == len(MEDICATIONS) - 1 else "active",
                intent="order",
                medicationCodeableConcept=concept(RXNORM, code, display),
                subject=ref("Patient", pid),
                authoredOn=authored.isoformat(),
                requester=clinician_ref(CLINICIANS[(number + index) % len(CLINICIANS)]),
                dosageInstruction=[{"text": instruction}],
                dispenseRequest={
                    "numberOfRepeatsAllowed": 3,
                    "quantity": quantity(30, "tablet", "{tbl}"),
                    "expectedSupplyDuration": {
                        "value": 30,
                        "unit": "days",
                        "system": "http://unitsofmeasure.org",
                        "code": "d",
                    },
                    "validityPeriod": {
                        "start": authored.isoformat(),
                        "end": (authored + timedelta(days=365)).isoformat(),
                    },
                },
            )
        )
    return out


def _thread(pid: str, number: int, today: date) -> list[Resource]:
    """A thread: the patient's question, the practice's two answers (unread)."""
    clinician = clinician_ref(CLINICIANS[number % len(CLINICIANS)])
    patient = ref("Patient", pid)
    category = [concept(MESSAGE_TOPIC_SYSTEM, "test-results", "Test results")]
    header_id = f"{pid}-t1"
    stamps = [at(today - timedelta(days=days), 10).isoformat(timespec="seconds") for days in (5, 4, 3)]
    out: list[Resource] = [
        resource(
            "Communication",
            header_id,
            status="in-progress",
            category=category,
            priority="routine",
            subject=patient,
            topic=text_concept("Question about my results"),
            sent=stamps[-1],
            sender=patient,
            recipient=[clinician],
        )
    ]
    messages = (
        (patient, [clinician], "Could you explain my latest results?", stamps[0]),
        (clinician, [patient], "Your results are within the normal range.", stamps[1]),
        (clinician, [patient], "Please book a follow-up visit in three months.", stamps[2]),
    )
    previous: str | None = None
    for index, (sender, recipients, text, when) in enumerate(messages, start=1):
        message_id = f"{header_id}-{index}"
        from_patient = sender is patient
        out.append(
            resource(
                "Communication",
                message_id,
                partOf=[ref("Communication", header_id)],
                inResponseTo=[ref("Communication", previous)] if previous else None,
                received=when if from_patient else None,
                status="completed" if from_patient else "in-progress",
                category=category,
                priority="routine",
                subject=patient,
                sent=when,
                sender=sender,
                recipient=recipients,
                payload=[{"contentString": text}],
            )
        )
        previous = message_id
    return out


def _billing(pid: str, today: date) -> list[Resource]:
    """A billing account with one issued statement (the practice's shape: fixtures/billing.py); the balance
    is its patient share, 40.00."""
    patient = ref("Patient", pid)
    account = resource(
        "Account",
        f"{pid}-acct",
        status="active",
        name="Patient account",
        subject=[patient],
        guarantor=[{"party": patient, "onHold": False}],
    )
    invoice = statement_invoice(
        invoice_id=f"{pid}-inv1",
        number=f"B-{pid}",
        patient=patient,
        recipient=patient,
        account_id=account["id"],
        served=today - timedelta(days=20),
        issued=f"{(today - timedelta(days=12)).isoformat()}T06:00:00+00:00",
        lines=(("99213", "180.00", "140.00"),),
    )
    return [account, invoice]


def patients(data: DataSet) -> Sequence[Resource]:
    """The Patients of the data set."""
    return [item for item in data.people if item["resourceType"] == "Patient"]


def observations_of(data: DataSet, patient_id: str) -> int:
    """How many Observations one patient has (a check on the growth patients)."""
    subject = f"Patient/{patient_id}"
    return sum(
        1
        for item in data.records
        if item["resourceType"] == "Observation" and item["subject"]["reference"] == subject
    )
