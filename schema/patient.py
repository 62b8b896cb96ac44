"""The Patient type: demographics, contact, care team, and the record's lists (Relay connections)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, TypeVar

import strawberry

from resolvers import messages, records
from resolvers.access_log import access_log
from resolvers.appointments import appointment_page
from resolvers.context import RequestContext
from resolvers.medications import medications_page
from resolvers.patient import ContactPointValue, PatientRecord, general_practitioners
from resolvers.refill_requests import refill_requests_page
from resolvers.results import OBSERVATIONS, RESULTS, Filters, ReleasedList, released_page
from resolvers.trends import observation_trend

from .access_log import AccessLogEntry
from .appointments import Appointment, AppointmentsWhen
from .billing import Billing
from .common import Address, FhirDate, HumanName, Identifier
from .connection import Connection, build, node_fields, selects
from .datatypes import Provider, provider
from .medications import MedicationListStatus, MedicationRequest
from .messages import (
    FolderArgument,
    MessageFolder,
    MessageRecipient,
    MessageThread,
    UnreadArgument,
    message_recipients,
    message_threads,
)
from .observation import Observation, ObservationCategory
from .records import AllergyIntolerance, CareTeam, Condition, Immunization
from .refill_requests import RefillRequest
from .report import DiagnosticReport, ResultCategory
from .shown import gate
from .trends import ObservationTrend

Info = strawberry.Info[RequestContext, None]
T = TypeVar("T")
V = TypeVar("V")
FIRST = "Page size: 1 to 100 (default 20)."
AFTER = "The endCursor of the previous page (opaque; only valid for this session, patient and list)."
CODE = "One FHIR token: `system|code`, `code` or `|code`."


@strawberry.enum(description="FHIR administrative gender.")
class AdministrativeGender(Enum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


@strawberry.type(description="A phone number or e-mail address (FHIR ContactPoint).")
class ContactPoint:
    system: str | None
    value: str | None
    use: str | None

    @classmethod
    def from_value(cls, v: ContactPointValue) -> ContactPoint:
        return cls(system=v.system, value=v.value, use=v.use)


async def _records(
    info: Info,
    patient_id: str,
    kind: records.RecordList[V],
    convert: Callable[[V], T],
    first: int | None,
    after: str | None,
) -> Connection[T]:
    total = selects(info, "totalCount")
    page = await records.list_records(info.context, patient_id, kind, first=first, after=after, total=total)
    return build(page, convert)


async def _released(
    info: Info,
    patient_id: str,
    kind: ReleasedList[V],
    filters: Filters,
    convert: Callable[[V], T],
    first: int | None,
    after: str | None,
) -> Connection[T]:
    total, wants = selects(info, "totalCount"), node_fields(info)
    page = await released_page(
        info.context, patient_id, kind, filters, first=first, after=after, total=total, wants=wants
    )
    return build(page, convert)


@strawberry.type(description="A patient of the practice, as recorded in the EHR (FHIR Patient).")
class Patient:
    # Every field waits for the Patient read (schema/shown.py), which runs alongside the lists' searches.
    _record: strawberry.Private[PatientRecord]
    _id: strawberry.Private[str]

    @strawberry.field
    async def id(self) -> strawberry.ID:
        return strawberry.ID((await self._record.value()).id)

    @strawberry.field
    async def name(self) -> list[HumanName]:
        return [HumanName.from_value(name) for name in (await self._record.value()).names]

    @strawberry.field
    async def birth_date(self) -> FhirDate | None:
        value = await self._record.value()
        return FhirDate(value.birth_date) if value.birth_date else None

    @strawberry.field
    async def gender(self) -> AdministrativeGender | None:
        value = await self._record.value()
        return AdministrativeGender(value.gender) if value.gender else None

    @strawberry.field
    async def identifier(self) -> list[Identifier]:
        return [Identifier.from_value(identifier) for identifier in (await self._record.value()).identifiers]

    @strawberry.field
    async def telecom(self) -> list[ContactPoint]:
        return [ContactPoint.from_value(t) for t in (await self._record.value()).telecom]

    @strawberry.field
    async def address(self) -> list[Address]:
        return [Address.from_value(a) for a in (await self._record.value()).addresses]

    @strawberry.field(description="The patient's primary care providers.")
    async def general_practitioner(self, info: Info) -> list[Provider]:
        value = await self._record.value()
        refs, included = value.general_practitioner_refs, await self._record.included()
        found = await general_practitioners(info.context, refs, included)
        return [provider(value) for value in found]

    @strawberry.field(description="The patient's active care teams.")
    async def care_team(self, info: Info) -> list[CareTeam]:
        return [CareTeam.from_value(team) for team in await records.care_teams(info.context, self._id)]

    @strawberry.field(description="Problems and diagnoses, most recently recorded first.")
    async def conditions(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Condition]:
        return await _records(info, self._id, records.CONDITIONS, Condition.from_value, first, after)

    @strawberry.field(description="Allergies and intolerances, most recently recorded first.")
    async def allergies(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[AllergyIntolerance]:
        return await _records(info, self._id, records.ALLERGIES, AllergyIntolerance.from_value, first, after)

    @strawberry.field(description="Vaccinations, newest first.")
    async def immunizations(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Immunization]:
        return await _records(info, self._id, records.IMMUNIZATIONS, Immunization.from_value, first, after)

    @strawberry.field(
        description="Released results (lab, imaging, pathology), newest first, with their Observations."
    )
    async def results(
        self,
        info: Info,
        category: ResultCategory | None = None,
        code: Annotated[str | None, strawberry.argument(description=CODE)] = None,
        date_from: FhirDate | None = None,
        date_to: FhirDate | None = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[DiagnosticReport]:
        filters = Filters(category.name if category else None, code, date_from, date_to)
        return await _released(info, self._id, RESULTS, filters, DiagnosticReport.from_value, first, after)

    @strawberry.field(description="Released observations (lab values, vital signs, ...), newest first.")
    async def observations(
        self,
        info: Info,
        category: ObservationCategory | None = None,
        code: Annotated[str | None, strawberry.argument(description=CODE)] = None,
        date_from: FhirDate | None = None,
        date_to: FhirDate | None = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Observation]:
        filters = Filters(category.value if category else None, code, date_from, date_to)
        return await _released(info, self._id, OBSERVATIONS, filters, Observation.from_value, first, after)

    @strawberry.field(
        description=(
            "The series of one coded measurement for a chart (HbA1c, weight, blood pressure with its "
            "components): every released Observation of the code in the window, oldest first. At most 5,000 "
            "points (more is BAD_USER_INPUT: narrow the window); 2 upstream requests per 1,000 points."
        )
    )
    async def observation_trend(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description=CODE + " LOINC for labs and vitals.")],
        from_: Annotated[
            FhirDate | None, strawberry.argument(name="from", description="First day, inclusive (FHIR date).")
        ] = None,
        to: Annotated[
            FhirDate | None, strawberry.argument(description="Last day, inclusive (FHIR date).")
        ] = None,
    ) -> ObservationTrend:
        value = await observation_trend(info.context, self._id, code, from_, to)
        return ObservationTrend.from_value(value)

    @strawberry.field(
        description=(
            "Appointments (FHIR Appointment): UPCOMING are requests, visits ahead and the ones cancelled, "
            "soonest first; PAST are visits that have begun, most recent first."
        )
    )
    async def appointments(
        self,
        info: Info,
        when: AppointmentsWhen = AppointmentsWhen.UPCOMING,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Appointment]:
        page = await appointment_page(
            info.context,
            self._id,
            upcoming_only=when == AppointmentsWhen.UPCOMING,
            first=first,
            after=after,
            total=selects(info, "totalCount"),
        )
        return build(page, Appointment.from_value)

    @strawberry.field(
        description="Bills: the balance, statements (Invoice) and payments (PaymentReconciliation)."
    )
    def billing(self) -> Billing:
        return Billing(patient_id=self._id, _record=self._record)

    @strawberry.field(
        description=(
            "Who viewed or changed this record through the portal, newest first (FHIR AuditEvent); the "
            "patient's own record only (FORBIDDEN for proxies). Staff access in the EHR shows when the EHR "
            "records AuditEvents for it."
        )
    )
    async def access_log(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[AccessLogEntry]:
        page = await access_log(
            info.context, self._id, first=first, after=after, total=selects(info, "totalCount")
        )
        return build(page, AccessLogEntry.from_value)

    @strawberry.field(
        description="Message threads (header Communications and their messages), newest activity first."
    )
    async def message_threads(
        self,
        info: Info,
        folder: FolderArgument = MessageFolder.ALL,
        unread_only: UnreadArgument = False,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[MessageThread]:
        return await message_threads(info, self._id, folder, unread_only, first, after)

    @strawberry.field(description="Messages from the practice to the patient not yet read (no received).")
    async def unread_message_count(self, info: Info) -> int:
        return await messages.unread_count(info.context, self._id)

    @strawberry.field(
        description="Whom the patient may write to: care team, its members, the practice's pools."
    )
    async def message_recipients(self, info: Info) -> list[MessageRecipient]:
        return await message_recipients(info, self._id)

    @strawberry.field(
        description=(
            "Prescriptions (FHIR MedicationRequest orders), newest first, with their drug, dosage, "
            "prescriber and whether a renewal may be requested."
        )
    )
    async def medications(
        self,
        info: Info,
        status: Annotated[
            MedicationListStatus, strawberry.argument(description="ACTIVE (the default) or ALL orders.")
        ] = MedicationListStatus.ACTIVE,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[MedicationRequest]:
        active_only = status == MedicationListStatus.ACTIVE
        total = selects(info, "totalCount")
        page = await medications_page(
            info.context, self._id, active_only=active_only, first=first, after=after, total=total
        )
        return build(page, MedicationRequest.from_value)

    @strawberry.field(description="Prescription renewal requests (FHIR Task, code renewal), newest first.")
    async def refill_requests(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[RefillRequest]:
        total = selects(info, "totalCount")
        page = await refill_requests_page(info.context, self._id, first=first, after=after, total=total)
        return build(page, RefillRequest.from_value)

    @classmethod
    def from_record(cls, record: PatientRecord) -> Patient:
        return cls(_record=record, _id=record.patient_id)


gate(Patient)
