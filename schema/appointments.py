"""Appointments: visits, free slots, and the results of booking, requesting, cancelling and checking in."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from resolvers import booking, check_in
from resolvers.appointments import AppointmentValue, ClinicianValue, LocationValue
from resolvers.calendar import calendar_file
from resolvers.context import RequestContext
from resolvers.slots import SlotValue

from .common import Address
from .datatypes import CodeableConcept, Period, Practitioner, concept, concepts, period, provider
from .outcomes import IdempotencyKeyReused, NotPermitted, Presented, Problem, ProblemCode, presents

Info = strawberry.Info[RequestContext, None]


@strawberry.enum(description="FHIR Appointment.status (entered-in-error is never shown).")
class AppointmentStatus(Enum):
    PROPOSED = strawberry.enum_value("proposed", description="Requested; the office has not booked it yet.")
    PENDING = "pending"
    BOOKED = "booked"
    ARRIVED = strawberry.enum_value("arrived", description="The front desk marked the patient arrived.")
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    CHECKED_IN = "checked-in"
    WAITLIST = "waitlist"


@strawberry.enum(description="Which visits a list holds.")
class AppointmentsWhen(Enum):
    UPCOMING = strawberry.enum_value(
        "UPCOMING", description="Requests, visits ahead and the ones cancelled, soonest first."
    )
    PAST = strawberry.enum_value("PAST", description="Visits that have begun, most recent first.")


@strawberry.enum(description="The kind of visit (Appointment.appointmentType, HL7 v2 table 0276).")
class VisitType(Enum):
    ROUTINE = "ROUTINE"
    FOLLOWUP = "FOLLOWUP"
    CHECKUP = "CHECKUP"


@strawberry.enum(description="Where the visit's online check-in stands.")
class CheckInState(Enum):
    NOT_OPEN = strawberry.enum_value("NOT_OPEN", description="Opens `checkIn.opensAt`.")
    OPEN = strawberry.enum_value("OPEN", description="The patient may check in now (until the visit starts).")
    DONE = strawberry.enum_value("DONE", description="Checked in online.")
    ARRIVED = strawberry.enum_value("ARRIVED", description="The front desk marked the patient arrived.")
    CLOSED = strawberry.enum_value("CLOSED", description="Not available: not a booked visit, or it began.")


@strawberry.enum(description="Who booked the visit through the portal.")
class BookedBy(Enum):
    PATIENT = "PATIENT"
    PROXY = "PROXY"


@strawberry.type(description="The place of a visit (FHIR Location).")
class Clinic:
    id: strawberry.ID
    name: str | None
    address: Address | None
    phone: str | None

    @classmethod
    def from_value(cls, v: LocationValue) -> Clinic:
        address = Address.from_value(v.address) if v.address else None
        return cls(id=strawberry.ID(v.id), name=v.name, address=address, phone=v.phone)


@strawberry.type(description="A visit's clinician (Practitioner, with PractitionerRole code and specialty).")
class Clinician:
    practitioner: Practitioner
    roles: list[CodeableConcept] = strawberry.field(description="PractitionerRole.code (doctor, nurse...).")
    specialties: list[CodeableConcept] = strawberry.field(description="PractitionerRole.specialty (NUCC).")

    @classmethod
    def from_value(cls, v: ClinicianValue) -> Clinician:
        practitioner = provider(v.practitioner)
        assert isinstance(practitioner, Practitioner)
        return cls(practitioner=practitioner, roles=concepts(v.roles), specialties=concepts(v.specialties))


@strawberry.type(description="The visit's online check-in (a Task focused on the Appointment).")
class AppointmentCheckIn:
    state: CheckInState
    opens_at: datetime | None = strawberry.field(description="When online check-in opens (before the visit).")
    completed_at: str | None = strawberry.field(description="When the patient checked in (Task.authoredOn).")


@strawberry.type(description="A visit with the practice (FHIR Appointment).")
class Appointment:
    id: strawberry.ID
    status: AppointmentStatus
    start: datetime | None = strawberry.field(description="Appointment.start; null for a request.")
    end: datetime | None
    minutes_duration: int | None
    visit_type: CodeableConcept | None = strawberry.field(description="Appointment.appointmentType.")
    service_category: list[CodeableConcept]
    reason: list[CodeableConcept] = strawberry.field(description="Appointment.reasonCode.")
    patient_instruction: str | None = strawberry.field(description="What the office asks of the patient.")
    requested_periods: list[Period] = strawberry.field(
        description="A request's preferred windows (Appointment.requestedPeriod)."
    )
    cancellation_reason: CodeableConcept | None
    clinician: Clinician | None
    clinic: Clinic | None = strawberry.field(description="The Location participant.")
    slot_id: strawberry.ID | None = strawberry.field(description="The Slot booked.")
    booked_by: BookedBy | None = strawberry.field(description="Who booked it through the portal, if anyone.")
    check_in: AppointmentCheckIn
    _value: strawberry.Private[AppointmentValue]

    @strawberry.field(
        description=(
            "The visit as an iCalendar (RFC 5545) file for 'add to my calendar': when and where only, no "
            "clinical detail. Null for requests and visits that are not booked."
        )
    )
    def calendar_file(self, info: Info) -> str | None:
        return calendar_file(self._value, info.context.auth.clock.now())

    @classmethod
    def from_value(cls, v: AppointmentValue) -> Appointment:
        return cls(
            id=strawberry.ID(v.id),
            status=AppointmentStatus(v.status),
            start=v.start,
            end=v.end,
            minutes_duration=v.minutes_duration,
            visit_type=concept(v.visit_type),
            service_category=concepts(v.service_category),
            reason=concepts(v.reason),
            patient_instruction=v.patient_instruction,
            requested_periods=[p for p in (period(x) for x in v.requested_periods) if p is not None],
            cancellation_reason=concept(v.cancellation_reason),
            clinician=Clinician.from_value(v.clinician) if v.clinician else None,
            clinic=Clinic.from_value(v.location) if v.location else None,
            slot_id=strawberry.ID(v.slot_id) if v.slot_id else None,
            booked_by=BookedBy(v.booked_by) if v.booked_by else None,
            check_in=AppointmentCheckIn(
                state=CheckInState(v.check_in.state.value),
                opens_at=v.check_in.opens_at,
                completed_at=v.check_in.completed_at,
            ),
            _value=v,
        )


@strawberry.type(description="A free time of a clinician's Schedule that can be booked (FHIR Slot).")
class AvailableSlot:
    id: strawberry.ID
    start: datetime
    end: datetime | None
    visit_type: CodeableConcept | None = strawberry.field(description="Slot.appointmentType.")
    clinician: Practitioner | None = strawberry.field(description="The Schedule's Practitioner actor.")
    clinic: Clinic | None = strawberry.field(description="The Schedule's Location actor.")

    @classmethod
    def from_value(cls, v: SlotValue) -> AvailableSlot:
        clinician = provider(v.clinician) if v.clinician else None
        return cls(
            id=strawberry.ID(v.id),
            start=v.start,
            end=v.end,
            visit_type=concept(v.visit_type),
            clinician=clinician if isinstance(clinician, Practitioner) else None,
            clinic=Clinic.from_value(v.location) if v.location else None,
        )


@strawberry.input(description="A preferred time for a requested visit.")
class TimeWindow:
    start: datetime
    end: datetime


@strawberry.input(description="A pre-visit answer: `text` in words, `yes` for yes/no questions.")
class CheckInAnswer:
    question_id: str = strawberry.field(description="Questionnaire.item.linkId.")
    text: str | None = None
    yes: bool | None = None


# --- results ---------------------------------------------------------------------------------------


class _WithAppointment(Presented):
    @classmethod
    def from_value(cls, value: object, token: str | None) -> object:
        return cls(appointment=Appointment.from_value(value.appointment))  # type: ignore[attr-defined, call-arg]


@strawberry.type(description="Booked: the Appointment is in the EHR and the Slot is taken.")
@presents(booking.AppointmentBooked)
class AppointmentBooked(_WithAppointment):
    appointment: Appointment


@strawberry.type(description="Requested: the office will confirm a time (Appointment status proposed).")
@presents(booking.AppointmentRequested)
class AppointmentRequested(_WithAppointment):
    appointment: Appointment


@strawberry.type(description="Cancelled; its Slot is free for others again.")
@presents(booking.AppointmentCancelled)
class AppointmentCancelled(_WithAppointment):
    appointment: Appointment


@strawberry.type(description="Checked in: the answers are with the practice (QuestionnaireResponse + Task).")
@presents(check_in.CheckedIn)
class CheckedIn(_WithAppointment):
    appointment: Appointment


@strawberry.type(description="The time was taken meanwhile, or does not exist.")
@presents(booking.SlotUnavailable)
class SlotUnavailable(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCode.SLOT_UNAVAILABLE  # type: ignore[valid-type]


@strawberry.type(description="In the past, or further ahead than the practice books online.")
@presents(booking.OutsideBookingWindow)
class OutsideBookingWindow(Problem, Presented):
    latest: datetime = strawberry.field(description="The latest start that can be booked now.")
    message: str
    code: ProblemCode = ProblemCode.OUTSIDE_BOOKING_WINDOW  # type: ignore[valid-type]


@strawberry.type(description="The patient holds as many upcoming appointments as the practice allows online.")
@presents(booking.TooManyUpcoming)
class TooManyUpcoming(Problem, Presented):
    limit: int
    message: str
    code: ProblemCode = ProblemCode.TOO_MANY_UPCOMING  # type: ignore[valid-type]


@strawberry.type(description="Already cancelled, fulfilled, begun or otherwise beyond cancelling online.")
@presents(booking.NotCancellable)
class NotCancellable(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCode.NOT_CANCELLABLE  # type: ignore[valid-type]


@strawberry.type(description="Check-in is open from `opensAt` until `closesAt` (the visit's start).")
@presents(check_in.CheckInNotOpen)
class CheckInNotOpen(Problem, Presented):
    opens_at: datetime | None
    closes_at: datetime | None
    message: str
    code: ProblemCode = ProblemCode.CHECK_IN_NOT_OPEN  # type: ignore[valid-type]


@strawberry.type(description="The visit was checked in for already.")
@presents(check_in.AlreadyCheckedIn)
class AlreadyCheckedIn(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCode.ALREADY_CHECKED_IN  # type: ignore[valid-type]


@strawberry.type(description="What is wrong with one answer.")
@presents(check_in.AnswerProblem)
class AnswerProblem(Presented):
    question_id: str
    problem: str


@strawberry.type(description="Some answers do not fit the questions: see `problems`; nothing was recorded.")
@presents(check_in.InvalidAnswers)
class InvalidAnswers(Problem, Presented):
    problems: list[AnswerProblem]
    message: str
    code: ProblemCode = ProblemCode.INVALID_ANSWERS  # type: ignore[valid-type]

    @classmethod
    def from_value(cls, value: check_in.InvalidAnswers, token: str | None) -> InvalidAnswers:
        problems = [AnswerProblem(question_id=p.question_id, problem=p.problem) for p in value.problems]
        return cls(problems=problems, message=value.message)


BookAppointmentResult = Annotated[
    AppointmentBooked
    | SlotUnavailable
    | NotPermitted
    | OutsideBookingWindow
    | TooManyUpcoming
    | IdempotencyKeyReused,
    strawberry.union("BookAppointmentResult"),
]
RequestAppointmentResult = Annotated[
    AppointmentRequested | NotPermitted | IdempotencyKeyReused, strawberry.union("RequestAppointmentResult")
]
CancelAppointmentResult = Annotated[
    AppointmentCancelled | NotCancellable | NotPermitted | IdempotencyKeyReused,
    strawberry.union("CancelAppointmentResult"),
]
CheckInResult = Annotated[
    CheckedIn | CheckInNotOpen | AlreadyCheckedIn | InvalidAnswers | NotPermitted | IdempotencyKeyReused,
    strawberry.union("CheckInResult"),
]
