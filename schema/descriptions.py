"""Descriptions for the types and fields that were built before every field had to describe itself.

Each says where the value comes from in FHIR and what it means for the patient. New fields describe
themselves where they are declared (``strawberry.field(description=...)``); this catalogue only fills the
older ones, once, when the schema is built (``describe``), and never overrides a description the code gives.
``tests/unit/schema/test_descriptions.py`` fails when any type or field of the schema has no description, and
when an entry here names a field that no longer exists or that the code now describes (move it, don't copy
it), so the catalogue only ever shrinks.

Generic rules cover what is the same everywhere: connections and edges, mutation result unions, and the
``message`` and ``code`` of every ``Problem``.
"""

from __future__ import annotations

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
)

TYPES: dict[str, str] = {
    "Query": "What a frontend can read: the viewer, a patient's record (medications and renewals, billing), "
    "appointments, free times, statements, messages.",
    "Mutation": "What a frontend can do: sign in and out, book, request, cancel, check in, message, request "
    "renewals, pay, manage proxies. Expected failures are answered as Problem types, never as errors.",
    "ConsentRequired": "The practice's consent form must be accepted to finish enrolling (a FHIR Consent is "
    "recorded when it is).",
    "CredentialsExpired": "The temporary credentials of an invitation are older than 72 hours: ask the "
    "practice for a new invitation.",
    "IdentityNotVerified": "The birth date or phone number did not match the record (Patient.birthDate, "
    "Patient.telecom).",
    "InvalidCode": "The two-step verification code (or recovery code) was wrong or used already.",
    "InvalidCredentials": "The username or password is wrong (the same answer for an unknown username).",
    "InvalidToken": "The link, challenge or enrollment token is unknown, used or expired: start again.",
    "Locked": "Too many failed attempts: the account is locked until `until` (or a password reset).",
    "PasswordRejected": "The new password does not meet the rules: see `problems`.",
    "RateLimited": "Too many attempts from this address or for this account: wait `retryAfterSeconds`.",
    "ReauthenticationRequired": "Prove the password again (reauthenticate) before setting up two-step "
    "verification.",
    "UsernameUnavailable": "The chosen username is taken.",
}

FIELDS: dict[str, str] = {
    # the viewer and the account (portal accounts live in the gateway's Redis, not in FHIR)
    "Viewer.session": "The current session: when it ends, so the frontend can warn before (docs/auth.md).",
    "Account.id": "The account's opaque id (not a FHIR id).",
    "Account.username": "The name the patient signs in with (case-insensitive).",
    "Account.twoFactorEnabled": "Whether two-step verification (TOTP) is on for this account.",
    "Session.idleTimeoutSeconds": "Seconds of inactivity after which the session ends (15 minutes); "
    "background requests do not count as activity.",
    "Session.level": "FULL, or TOTP_SETUP while the practice requires two-step setup first.",
    "PatientAccess.accessLevel": "What the viewer may do for this patient: SELF, SCHEDULING_MESSAGING or "
    "READ_ONLY (from the proxy's FHIR Consent).",
    "PatientAccess.relationshipDisplay": "The relationship in words (RelatedPerson.relationship display), "
    "e.g. mother; null for SELF.",
    "PatientAccess.capabilities": "The actions this access allows (read, schedule, message, refill, pay, "
    "manage proxies): show only the buttons that work.",
    # the patient (FHIR Patient) and common datatypes
    "Patient.id": "The FHIR Patient id: pass it as patientId to every operation for this patient.",
    "Patient.name": "The patient's names (Patient.name), official first.",
    "Patient.birthDate": "Date of birth (Patient.birthDate), possibly partial.",
    "Patient.gender": "Administrative gender (Patient.gender), as the record holds it.",
    "Patient.identifier": "Identifiers such as the medical record number (Patient.identifier).",
    "Patient.telecom": "Phone numbers and e-mail addresses on file (Patient.telecom).",
    "Patient.address": "Postal addresses on file (Patient.address).",
    "HumanName.use": "usual, official, nickname, maiden... (HumanName.use).",
    "HumanName.text": "The whole name as written, when the record has it (HumanName.text).",
    "HumanName.family": "Family name (HumanName.family).",
    "HumanName.given": "Given names, in order (HumanName.given).",
    "HumanName.prefix": "Titles before the name, e.g. Dr. (HumanName.prefix).",
    "HumanName.suffix": "Parts after the name, e.g. Jr. or MD (HumanName.suffix).",
    "Identifier.use": "usual, official, secondary... (Identifier.use).",
    "Identifier.system": "The namespace of the value, a URI (Identifier.system).",
    "Identifier.value": "The identifier itself, e.g. the record number (Identifier.value).",
    "Identifier.typeText": "What kind of identifier it is in words (Identifier.type.text), e.g. MRN.",
    "ContactPoint.system": "phone, email, sms... (ContactPoint.system).",
    "ContactPoint.value": "The number or address (ContactPoint.value).",
    "ContactPoint.use": "home, work, mobile... (ContactPoint.use).",
    "Address.use": "home, work, billing... (Address.use).",
    "Address.text": "The whole address as written (Address.text).",
    "Address.line": "Street lines (Address.line).",
    "Address.city": "City (Address.city).",
    "Address.state": "State or province (Address.state).",
    "Address.postalCode": "Postal code (Address.postalCode).",
    "Address.country": "Country (Address.country).",
    "Coding.system": "The code system, a URI such as http://loinc.org (Coding.system).",
    "Coding.code": "The code in that system (Coding.code).",
    "Coding.display": "The code's meaning in words (Coding.display): what to show.",
    "CodeableConcept.coding": "The concept's codes in one or more code systems (CodeableConcept.coding).",
    "CodeableConcept.text": "The concept in the practice's words (CodeableConcept.text): show it first.",
    "Quantity.value": "The number, as a decimal string that keeps its precision (Quantity.value).",
    "Quantity.comparator": "<, <=, >= or > when the value is a bound, e.g. <5 (Quantity.comparator).",
    "Quantity.unit": "The unit as written for people (Quantity.unit).",
    "Quantity.system": "The units' code system, usually UCUM (Quantity.system).",
    "Quantity.code": "The unit's code in that system (Quantity.code).",
    "Range.low": "The lower bound (Range.low).",
    "Range.high": "The upper bound (Range.high).",
    "Ratio.numerator": "The numerator (Ratio.numerator).",
    "Ratio.denominator": "The denominator (Ratio.denominator).",
    "Period.start": "When it began, a FHIR dateTime (Period.start); null if open.",
    "Period.end": "When it ended, a FHIR dateTime (Period.end); null if ongoing.",
    "SampledData.origin": "The zero value and unit of the samples (SampledData.origin).",
    "SampledData.period": "Milliseconds between samples (SampledData.period).",
    "SampledData.factor": "What each sample is multiplied by (SampledData.factor).",
    "SampledData.dimensions": "Values per sample point (SampledData.dimensions).",
    "SampledData.sampleCount": "How many samples the series has (counted from SampledData.data, not sent).",
    "Attachment.url": "Where the document is (Attachment.url).",
    "Attachment.contentType": "Its media type, e.g. application/pdf (Attachment.contentType).",
    "Attachment.title": "Its title, to show as the link text (Attachment.title).",
    "StringValue.value": "The text value (Observation.valueString).",
    "BooleanValue.value": "The yes/no value (Observation.valueBoolean).",
    "IntegerValue.value": "The whole-number value (Observation.valueInteger).",
    "TimeValue.value": "The time of day, hh:mm:ss (Observation.valueTime).",
    "DateTimeValue.value": "The date and time, a FHIR dateTime (Observation.valueDateTime).",
    # providers and care teams
    "Practitioner.id": "The FHIR Practitioner id.",
    "Practitioner.name": "The clinician's names (Practitioner.name).",
    "Practitioner.identifier": "Identifiers such as the NPI (Practitioner.identifier).",
    "Practitioner.qualification": "Degrees and licences, e.g. MD (Practitioner.qualification.code).",
    "Organization.id": "The FHIR Organization id.",
    "Organization.name": "The organization's name (Organization.name), e.g. the laboratory.",
    "Organization.identifier": "Identifiers of the organization (Organization.identifier).",
    "CareTeam.id": "The FHIR CareTeam id (pass it as careTeam to sendMessage).",
    "CareTeam.name": "The team's name (CareTeam.name).",
    "CareTeam.status": "active, inactive... (CareTeam.status); only active teams are shown.",
    "CareTeam.participant": "Who is on the team (CareTeam.participant).",
    "CareTeamParticipant.role": "Their role on the team, e.g. primary care physician (participant.role).",
    "CareTeamParticipant.member": "The clinician or organization (participant.member).",
    # records
    "Condition.id": "The FHIR Condition id.",
    "Condition.clinicalStatus": "active, recurrence, remission, resolved... (Condition.clinicalStatus).",
    "Condition.verificationStatus": "confirmed, provisional, differential... (Condition.verificationStatus).",
    "Condition.category": "problem-list-item or encounter-diagnosis (Condition.category).",
    "Condition.severity": "How severe, when recorded (Condition.severity).",
    "Condition.code": "The problem or diagnosis, e.g. SNOMED CT (Condition.code): show its text.",
    "Condition.onsetDateTime": "When it began, a FHIR dateTime (Condition.onsetDateTime).",
    "Condition.abatementDateTime": "When it ended or resolved (Condition.abatementDateTime).",
    "Condition.recordedDate": "When the practice recorded it (Condition.recordedDate).",
    "AllergyIntolerance.id": "The FHIR AllergyIntolerance id.",
    "AllergyIntolerance.clinicalStatus": "active, inactive or resolved (AllergyIntolerance.clinicalStatus).",
    "AllergyIntolerance.verificationStatus": "confirmed, unconfirmed, refuted "
    "(AllergyIntolerance.verificationStatus).",
    "AllergyIntolerance.type": "allergy or intolerance (AllergyIntolerance.type).",
    "AllergyIntolerance.category": "food, medication, environment, biologic (AllergyIntolerance.category).",
    "AllergyIntolerance.criticality": "low, high or unable-to-assess: the risk of a severe reaction "
    "(AllergyIntolerance.criticality).",
    "AllergyIntolerance.code": "What the patient reacts to (AllergyIntolerance.code).",
    "AllergyIntolerance.reaction": "Reactions seen (AllergyIntolerance.reaction).",
    "AllergyIntolerance.onsetDateTime": "When it began (AllergyIntolerance.onsetDateTime).",
    "AllergyIntolerance.recordedDate": "When the practice recorded it (AllergyIntolerance.recordedDate).",
    "AllergyReaction.manifestation": "What happened, e.g. hives (reaction.manifestation).",
    "AllergyReaction.severity": "mild, moderate or severe (reaction.severity).",
    "AllergyReaction.description": "The reaction in words (reaction.description).",
    "Immunization.id": "The FHIR Immunization id.",
    "Immunization.vaccineCode": "The vaccine, e.g. CVX (Immunization.vaccineCode): show its text.",
    "Immunization.occurrenceDateTime": "When it was given (Immunization.occurrenceDateTime).",
    "Immunization.primarySource": "True when the practice gave it; false when reported by someone else "
    "(Immunization.primarySource).",
    "Immunization.lotNumber": "The vaccine's lot number (Immunization.lotNumber).",
    # results
    "DiagnosticReport.id": "The FHIR DiagnosticReport id.",
    "DiagnosticReport.status": "final, amended, corrected or preliminary (DiagnosticReport.status).",
    "DiagnosticReport.category": "LAB, RAD (imaging) or SP (pathology), HL7 v2 table 0074 "
    "(DiagnosticReport.category).",
    "DiagnosticReport.code": "What was tested, e.g. a LOINC panel (DiagnosticReport.code): the title.",
    "DiagnosticReport.effectiveDateTime": "When the sample was taken or the study done "
    "(DiagnosticReport.effectiveDateTime).",
    "DiagnosticReport.effectivePeriod": "The same as a span, when it took a while "
    "(DiagnosticReport.effectivePeriod).",
    "DiagnosticReport.issued": "When the result was released (DiagnosticReport.issued): sort by it.",
    "DiagnosticReport.conclusion": "The clinician's summary in words (DiagnosticReport.conclusion).",
    "DiagnosticReport.conclusionCode": "The summary as codes (DiagnosticReport.conclusionCode).",
    "DiagnosticReport.presentedForm": "The report as a document, e.g. a PDF "
    "(DiagnosticReport.presentedForm).",
    "Observation.id": "The FHIR Observation id.",
    "Observation.status": "final, amended, corrected or preliminary (Observation.status).",
    "Observation.category": "laboratory, vital-signs, survey... (Observation.category).",
    "Observation.code": "What was measured, usually LOINC (Observation.code): the name to show.",
    "Observation.value": "The result (Observation.value[x]): a quantity, text, code, range...",
    "Observation.dataAbsentReason": "Why there is no value, e.g. the sample was unusable "
    "(Observation.dataAbsentReason).",
    "Observation.interpretation": "High, low, normal, critical... as the lab flagged it "
    "(Observation.interpretation).",
    "Observation.referenceRange": "The range the value is judged against (Observation.referenceRange).",
    "Observation.component": "The parts of a panel, e.g. systolic and diastolic (Observation.component).",
    "Observation.effectiveDateTime": "When it was measured or the sample taken "
    "(Observation.effectiveDateTime).",
    "Observation.effectivePeriod": "The same as a span (Observation.effectivePeriod).",
    "Observation.issued": "When the result was released (Observation.issued).",
    "ObservationComponent.code": "What this part measures (component.code).",
    "ObservationComponent.value": "This part's result (component.value[x]).",
    "ObservationComponent.dataAbsentReason": "Why this part has no value (component.dataAbsentReason).",
    "ObservationComponent.interpretation": "High, low, normal... for this part (component.interpretation).",
    "ObservationComponent.referenceRange": "This part's range (component.referenceRange).",
    "ReferenceRange.low": "The low end of normal (referenceRange.low).",
    "ReferenceRange.high": "The high end of normal (referenceRange.high).",
    "ReferenceRange.type": "What kind of range, e.g. normal or therapeutic (referenceRange.type).",
    "ReferenceRange.appliesTo": "Whom it applies to, e.g. a sex (referenceRange.appliesTo).",
    "ReferenceRange.age": "The ages it applies to (referenceRange.age).",
    "ReferenceRange.text": "The range in words, when not numeric (referenceRange.text).",
    # appointments
    "Appointment.id": "The FHIR Appointment id.",
    "Appointment.status": "proposed (requested), booked, arrived, fulfilled, cancelled, noshow... "
    "(Appointment.status).",
    "Appointment.end": "When the visit ends (Appointment.end).",
    "Appointment.minutesDuration": "How long it takes in minutes (Appointment.minutesDuration).",
    "Appointment.serviceCategory": "The kind of service, e.g. general practice "
    "(Appointment.serviceCategory).",
    "Appointment.cancellationReason": "Why it was cancelled, by the patient or the practice "
    "(Appointment.cancelationReason).",
    "Appointment.clinician": "Who the visit is with (the Practitioner participant and their role).",
    "Appointment.checkIn": "The visit's online check-in: not open yet, open, done, or arrived at the desk.",
    "AppointmentCheckIn.state": "NOT_OPEN, OPEN, COMPLETED (answers sent) or ARRIVED (at the desk; from the "
    "Appointment status).",
    "AppointmentBooked.appointment": "The booked visit (status booked).",
    "AppointmentCancelled.appointment": "The cancelled visit (status cancelled).",
    "AppointmentRequested.appointment": "The request (status proposed, with the preferred times).",
    "CheckedIn.appointment": "The visit, now with its completed check-in.",
    "Clinician.practitioner": "The clinician (FHIR Practitioner).",
    "Clinic.id": "The FHIR Location id.",
    "Clinic.name": "The clinic's name (Location.name).",
    "Clinic.address": "Where it is (Location.address).",
    "Clinic.phone": "Its phone number (Location.telecom).",
    "AvailableSlot.id": "The FHIR Slot id: pass it as slotId to bookAppointment.",
    "AvailableSlot.start": "When the free time starts (Slot.start).",
    "AvailableSlot.end": "When it ends (Slot.end).",
    "CheckInNotOpen.opensAt": "When online check-in opens (the practice's days before the visit).",
    "CheckInNotOpen.closesAt": "When it closes: the visit's start.",
    "TooManyUpcoming.limit": "How many upcoming appointments the practice allows online.",
    "InvalidAnswers.problems": "What is wrong with each answer.",
    "AnswerProblem.questionId": "The question (its linkId in the practice's Questionnaire).",
    "AnswerProblem.problem": "What is wrong, in words: unknown question, missing, wrong kind of answer.",
    "TimeWindow.start": "From when the patient could come (with a time zone).",
    "TimeWindow.end": "Until when (with a time zone).",
    "CheckInAnswer.text": "The answer in words, for written questions.",
    "CheckInAnswer.yes": "The answer to a yes/no question.",
    # proxies and the access log
    "ProxyInvited.expiresAt": "Until when the invitation can be accepted (7 days).",
    "ProxyRevoked.proxyId": "The RelatedPerson id of the ended grant.",
    "ProxyInvitationAccepted.patientId": "The patient the viewer may now act for.",
    "ProxyInvitationAccepted.accessLevel": "What the viewer may do for them.",
    "AccessLogEntry.id": "The FHIR AuditEvent id.",
    "AccessLogEntry.actor": "Who did it (AuditEvent.agent): the patient, a proxy, staff.",
    "AccessLogEntry.action": "VIEWED, CREATED, CHANGED or DELETED (AuditEvent.action).",
    "AccessActor.kind": "PATIENT, PROXY, STAFF or OTHER (from AuditEvent.agent.who).",
    "AccessActor.relationshipDisplay": "A proxy's relationship in words (RelatedPerson.relationship).",
    # account flows
    "SignedIn.expiresAt": "When the session ends unless used (the idle timeout).",
    "SignedOut.sessionsEnded": "How many sessions ended (0 when the cookie was stale already).",
    "TwoFactorRequired.challengeToken": "Pass it to completeTwoFactor with the code (valid 5 minutes).",
    "TwoFactorRequired.expiresAt": "Until when the code can be sent.",
    "TwoFactorSetupRequired.expiresAt": "When this setup-only session ends.",
    "PasswordChangeRequired.enrollmentToken": "Pass it to verifyIdentity and completeEnrollment.",
    "PasswordChangeRequired.expiresAt": "Until when enrollment can continue.",
    "Reauthenticated.expiresAt": "When the rotated session ends unless used.",
    "TotpEnrollment.secret": "The shared secret, for typing into an authenticator app.",
    "TotpEnrollment.uri": "The otpauth:// URI: show it as a QR code.",
    "TotpEnabled.recoveryCodes": "Ten one-time codes for when the phone is lost: shown once, never again.",
    "TotpEnabled.expiresAt": "When the rotated session ends unless used.",
    "TotpDisabled.expiresAt": "When the rotated session ends unless used.",
    "RequestAccepted.accepted": "Always true: the answer says nothing about whether anything matched.",
    "IdentityVerified.verified": "Always true: continue with completeEnrollment.",
    "EnrollmentCompleted.username": "The username to sign in with.",
    "Invitation.accountId": "The new account's id.",
    "Invitation.username": "The temporary username (mailed to the patient with the password).",
    "Invitation.expiresAt": "When the temporary credentials expire (72 hours).",
    "InvalidCode.attemptsLeft": "Tries left before this challenge (or the account) locks.",
    "IdentityNotVerified.attemptsLeft": "Tries left with this enrollment token.",
    "PasswordRejected.problems": "Every rule the password breaks (too short, too common, has the name...).",
    "RateLimited.retryAfterSeconds": "Seconds until the next attempt is counted again.",
    "PageInfo.hasNextPage": "Whether another page follows (a short page may still have one after it).",
    "PageInfo.endCursor": "Pass it as after for the next page; null when the page is empty and last.",
    "Problem.message": "What went wrong, in words for the patient: show it.",
    "Problem.code": "What went wrong, as a code for the program: branch on it, never on the message.",
}


def _generic_type(kind: GraphQLNamedType) -> str | None:
    name = kind.name
    if name.endswith("Connection"):
        return f"A page of {name.removesuffix('Connection')} items (a Relay connection; docs/records.md)."
    if name.endswith("Edge"):
        return f"One {name.removesuffix('Edge')} of a page, with the cursor to continue after it."
    if isinstance(kind, GraphQLUnionType) and name.endswith("Result"):
        return (
            f"What {name[0].lower()}{name[1:].removesuffix('Result')} answers: its success type, or a type "
            "implementing Problem (branch on __typename; show `message`)."
        )
    return None


_CONNECTION_FIELDS = {
    "edges": "The items of this page with their cursors.",
    "nodes": "The items of this page (the same as edges.node).",
    "pageInfo": "Whether more follow, and the cursor to ask for them (pass endCursor as after).",
    "cursor": "Pass it as after to continue behind this item (opaque; this session, patient and list only).",
    "node": "The item.",
}


def _generic_field(
    kind: GraphQLObjectType | GraphQLInterfaceType, name: str, schema: GraphQLSchema
) -> str | None:
    if (kind.name.endswith(("Connection", "Edge"))) and name in _CONNECTION_FIELDS:
        return _CONNECTION_FIELDS[name]
    problem = schema.type_map.get("Problem")
    if (
        isinstance(problem, GraphQLInterfaceType)
        and isinstance(kind, GraphQLObjectType)
        and problem in kind.interfaces
        and name in problem.fields
    ):
        return problem.fields[name].description or FIELDS.get(f"Problem.{name}")
    return None


def describe(schema: GraphQLSchema) -> None:
    """Give every type and field without a description its description from this catalogue (in place)."""
    for kind in schema.type_map.values():
        if kind.name.startswith("__"):
            continue
        if not kind.description:
            kind.description = TYPES.get(kind.name) or _generic_type(kind)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for name, field in kind.fields.items():
                if field.description:
                    continue
                generic = None
                if not isinstance(kind, GraphQLInputObjectType):
                    generic = _generic_field(kind, name, schema)
                field.description = FIELDS.get(f"{kind.name}.{name}") or generic


__all__ = ["FIELDS", "TYPES", "describe"]
