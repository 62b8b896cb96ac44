"""The mutation root: sign-in, sessions, two-step verification, password reset, enrollment, messaging.

Each field calls one function in ``resolvers`` and presents its plain result with ``outcomes.present``.
Malformed arguments raise ``auth.InvalidInput`` there, which leaves as BAD_USER_INPUT with nothing changed.
"""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from resolvers import account, booking, check_in, enrollment, messaging, payments, proxies, refills

from .access import ProxyAccessLevel
from .account import Session
from .appointments import (
    BookAppointmentResult,
    CancelAppointmentResult,
    CheckInAnswer,
    CheckInResult,
    RequestAppointmentResult,
    TimeWindow,
    VisitType,
)
from .billing import MoneyInput
from .messaging import (
    AttachmentIds,
    MarkThreadReadResult,
    MessageCategory,
    MessageRecipientInput,
    ReplyToMessageResult,
    SendMessageResult,
    Text,
    Topic,
)
from .outcomes import IdempotencyKey, present
from .payments import MakePaymentResult
from .proxy import AcceptProxyInvitationResult, InviteProxyResult, RevokeProxyResult
from .query import Info
from .refills import CancelRefillRequestResult, RequestRefillResult
from .results import (
    BeginTotpResult,
    ChangePasswordResult,
    CompleteTwoFactorResult,
    ConfirmTotpResult,
    DisableTotpResult,
    EnrollmentResult,
    IdentityResult,
    Invitation,
    ReauthenticateResult,
    RequestResult,
    ResetResult,
    SignedOut,
    SignInResult,
)

PatientId = Annotated[
    strawberry.ID,
    strawberry.argument(description="The patient: the viewer's own record or one they act for (Patient.id)."),
]
Bearer = Annotated[
    bool,
    strawberry.argument(
        description="Return the session token in the result instead of setting the cookie (mobile apps)."
    ),
]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sign in. The practice code is required at first sign-in.")
    async def sign_in(
        self,
        info: Info,
        username: str,
        password: str,
        practice_code: str | None = None,
        bearer: Bearer = False,
    ) -> SignInResult:
        outcome = await account.sign_in(info.context, username, password, practice_code, bearer=bearer)
        return cast(SignInResult, present(outcome))

    @strawberry.mutation(description="Second step of sign-in: a code from the app or a recovery code.")
    async def complete_two_factor(
        self,
        info: Info,
        challenge_token: str,
        code: str,
        bearer: Bearer = False,
    ) -> CompleteTwoFactorResult:
        outcome = await account.complete_two_factor(info.context, challenge_token, code, bearer=bearer)
        return cast(CompleteTwoFactorResult, present(outcome))

    @strawberry.mutation(description="End this session (if any) and clear the cookie. Needs no live session.")
    async def sign_out(self, info: Info) -> SignedOut:
        return SignedOut(sessions_ended=await account.sign_out(info.context))

    @strawberry.mutation(description="End every session of the signed-in account, this one included.")
    async def sign_out_everywhere(self, info: Info) -> SignedOut:
        return SignedOut(sessions_ended=await account.sign_out_everywhere(info.context))

    @strawberry.mutation(description="Restart the idle window (never past the absolute lifetime).")
    async def extend_session(self, info: Info) -> Session:
        return Session.from_value(await account.extend_session(info.context))

    @strawberry.mutation(description="Change the password; other sessions end and this one gets a new token.")
    async def change_password(
        self, info: Info, current_password: str, new_password: str
    ) -> ChangePasswordResult:
        outcome = await account.change_password(info.context, current_password, new_password)
        return cast(ChangePasswordResult, present(outcome))

    @strawberry.mutation(
        description="Prove the password again; two-step setup needs a proof from the last few minutes."
    )
    async def reauthenticate(self, info: Info, password: str) -> ReauthenticateResult:
        return cast(ReauthenticateResult, present(await account.reauthenticate(info.context, password)))

    @strawberry.mutation(description="Start setting up two-step verification (an authenticator app).")
    async def begin_totp_enrollment(self, info: Info) -> BeginTotpResult:
        return cast(BeginTotpResult, present(await account.begin_totp(info.context)))

    @strawberry.mutation(description="Finish setting up two-step verification with a code from the app.")
    async def confirm_totp(self, info: Info, code: str) -> ConfirmTotpResult:
        return cast(ConfirmTotpResult, present(await account.confirm_totp(info.context, code)))

    @strawberry.mutation(description="Turn two-step verification off (re-enter the password).")
    async def disable_totp(self, info: Info, password: str) -> DisableTotpResult:
        return cast(DisableTotpResult, present(await account.disable_totp(info.context, password)))

    @strawberry.mutation(description="Mail a reset link if the answer to the security question is right.")
    async def request_password_reset(self, info: Info, username: str, security_answer: str) -> RequestResult:
        result = await enrollment.request_reset(info.context, username, security_answer)
        return cast(RequestResult, present(result))

    @strawberry.mutation(description="Set a new password with the mailed link's token (+ code if enrolled).")
    async def complete_password_reset(
        self, info: Info, token: str, new_password: str, code: str | None = None
    ) -> ResetResult:
        result = await enrollment.complete_reset(info.context, token, new_password, code)
        return cast(ResetResult, present(result))

    @strawberry.mutation(description="Mail the username(s) for this email and birth date (YYYY-MM-DD).")
    async def recover_username(self, info: Info, email: str, birth_date: str) -> RequestResult:
        result = await enrollment.recover_username(info.context, email, birth_date)
        return cast(RequestResult, present(result))

    @strawberry.mutation(description="Enrollment: confirm identity by birth date (YYYY-MM-DD) or phone.")
    async def verify_identity(
        self,
        info: Info,
        enrollment_token: str,
        birth_date: str | None = None,
        phone: str | None = None,
    ) -> IdentityResult:
        result = await enrollment.verify_identity(info.context, enrollment_token, birth_date, phone)
        return cast(IdentityResult, present(result))

    @strawberry.mutation(description="Enrollment: new password, security question, consent; then active.")
    async def complete_enrollment(
        self,
        info: Info,
        enrollment_token: str,
        new_password: str,
        security_question: str,
        security_answer: str,
        accept_consent: bool,
        username: str | None = None,
    ) -> EnrollmentResult:
        result = await enrollment.complete_enrollment(
            info.context,
            enrollment_token,
            new_password=new_password,
            security_question=security_question,
            security_answer=security_answer,
            accept_consent=accept_consent,
            username=username,
        )
        return cast(EnrollmentResult, present(result))

    @strawberry.mutation(description="Staff only (X-Admin-Key): invite a patient to the portal by mail.")
    async def invite_enrollment(
        self, info: Info, patient_id: strawberry.ID, email: str | None = None
    ) -> Invitation:
        return cast(Invitation, present(await enrollment.invite(info.context, patient_id, email)))

    @strawberry.mutation(
        description=(
            "An adult patient invites an adult by email to act for them (SELF only). Writes the proxy "
            "(RelatedPerson) and a proposed Consent to the EHR and mails a single-use invitation code."
        )
    )
    async def invite_proxy(
        self,
        info: Info,
        email: str,
        access_level: ProxyAccessLevel,
        idempotency_key: IdempotencyKey,
        relationship: Annotated[
            str | None,
            strawberry.argument(description="v3 RoleCode of the invitee to you (SPS, FRND...); default O."),
        ] = None,
    ) -> InviteProxyResult:
        return cast(
            InviteProxyResult,
            present(
                await proxies.invite_proxy(
                    info.context, email, access_level.value, relationship, idempotency_key
                )
            ),
        )

    @strawberry.mutation(
        description="Accept a proxy invitation (signed in); a retry with the same code is harmless."
    )
    async def accept_proxy_invitation(self, info: Info, token: str) -> AcceptProxyInvitationResult:
        return cast(
            AcceptProxyInvitationResult, present(await proxies.accept_proxy_invitation(info.context, token))
        )

    @strawberry.mutation(
        description="End a proxy's access to your record (proxyId from inviteProxy); applies at once."
    )
    async def revoke_proxy(self, info: Info, proxy_id: strawberry.ID) -> RevokeProxyResult:
        return cast(RevokeProxyResult, present(await proxies.revoke_proxy(info.context, proxy_id)))

    @strawberry.mutation(
        description=(
            "Book a free Slot for a patient (SELF or SCHEDULING_MESSAGING): one FHIR transaction creates the "
            "Appointment and marks the Slot busy, so two people can never take one slot."
        )
    )
    async def book_appointment(
        self,
        info: Info,
        patient_id: strawberry.ID,
        slot_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
        reason: Annotated[str | None, strawberry.argument(description="Up to 500 characters.")] = None,
    ) -> BookAppointmentResult:
        result = await booking.book(info.context, patient_id, slot_id, reason, idempotency_key)
        return cast(BookAppointmentResult, present(result))

    @strawberry.mutation(
        description="Ask the office for a visit in one of the preferred windows (an Appointment proposed)."
    )
    async def request_appointment(
        self,
        info: Info,
        patient_id: strawberry.ID,
        service_type: VisitType,
        preferred_windows: Annotated[list[TimeWindow], strawberry.argument(description="1 to 5 windows.")],
        reason: Annotated[str, strawberry.argument(description="1 to 500 characters.")],
        idempotency_key: IdempotencyKey,
        practitioner_id: strawberry.ID | None = None,
    ) -> RequestAppointmentResult:
        windows = [booking.Window(w.start, w.end) for w in preferred_windows]
        result = await booking.request(
            info.context,
            patient_id,
            practitioner_id=practitioner_id,
            visit_type=service_type.value,
            windows=windows,
            reason=reason,
            idempotency_key=idempotency_key,
        )
        return cast(RequestAppointmentResult, present(result))

    @strawberry.mutation(
        description="Cancel a visit ahead (or a request); its Slot is freed in the same step."
    )
    async def cancel_appointment(
        self,
        info: Info,
        patient_id: strawberry.ID,
        appointment_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
        reason: Annotated[str | None, strawberry.argument(description="Up to 500 characters.")] = None,
    ) -> CancelAppointmentResult:
        result = await booking.cancel(info.context, patient_id, appointment_id, reason, idempotency_key)
        return cast(CancelAppointmentResult, present(result))

    @strawberry.mutation(
        description=(
            "Check in online before a visit (from a few days before until it starts): answers to the "
            "practice's pre-visit questions. The front desk marks the arrival."
        )
    )
    async def check_in(
        self,
        info: Info,
        patient_id: strawberry.ID,
        appointment_id: strawberry.ID,
        answers: list[CheckInAnswer],
        confirm_demographics: Annotated[
            bool, strawberry.argument(description="The address, phone and email on file are still right.")
        ],
        idempotency_key: IdempotencyKey,
    ) -> CheckInResult:
        given = [check_in.Answer(a.question_id, a.text, a.yes) for a in answers]
        result = await check_in.check_in(
            info.context,
            patient_id,
            appointment_id,
            given,
            confirm_demographics=confirm_demographics,
            idempotency_key=idempotency_key,
        )
        return cast(CheckInResult, present(result))

    @strawberry.mutation(
        description=(
            "Start a secure-message thread for the patient (SELF or SCHEDULING_MESSAGING): a header "
            "Communication and the first message, routed to the office as a Task due on expectedReplyBy."
        )
    )
    async def send_message(
        self,
        info: Info,
        patient_id: strawberry.ID,
        recipient: MessageRecipientInput,
        topic: Topic,
        text: Text,
        idempotency_key: IdempotencyKey,
        category: MessageCategory = MessageCategory.NON_URGENT_MEDICAL,
        attachment_ids: AttachmentIds = None,
    ) -> SendMessageResult:
        result = await messaging.send_message(
            info.context,
            patient_id,
            recipient.value(),
            topic,
            text,
            category.name,
            attachment_ids or [],
            idempotency_key,
        )
        return cast(SendMessageResult, present(result))

    @strawberry.mutation(
        description="Answer in an open thread (a Communication inResponseTo its latest), routed as a Task."
    )
    async def reply_to_message(
        self,
        info: Info,
        patient_id: strawberry.ID,
        thread_id: strawberry.ID,
        text: Text,
        idempotency_key: IdempotencyKey,
        attachment_ids: AttachmentIds = None,
    ) -> ReplyToMessageResult:
        result = await messaging.reply_to_message(
            info.context, patient_id, thread_id, text, attachment_ids or [], idempotency_key
        )
        return cast(ReplyToMessageResult, present(result))

    @strawberry.mutation(
        description="Mark the practice's messages in a thread read (Communication.received, completed)."
    )
    async def mark_thread_read(
        self, info: Info, patient_id: strawberry.ID, thread_id: strawberry.ID, idempotency_key: IdempotencyKey
    ) -> MarkThreadReadResult:
        result = await messaging.mark_thread_read(info.context, patient_id, thread_id, idempotency_key)
        return cast(MarkThreadReadResult, present(result))

    @strawberry.mutation(
        description=(
            "Ask the prescriber to renew an active prescription of the patient (creates a FHIR Task, code "
            "renewal, status requested). The patient, and proxies where the practice allows it, may ask."
        )
    )
    async def request_refill(
        self,
        info: Info,
        patient_id: PatientId,
        medication_request_id: Annotated[
            strawberry.ID, strawberry.argument(description="The MedicationRequest to renew.")
        ],
        idempotency_key: IdempotencyKey,
        pharmacy_note: Annotated[
            str | None,
            strawberry.argument(
                description="A note for the pharmacy or the prescriber (at most 1000 characters)."
            ),
        ] = None,
    ) -> RequestRefillResult:
        result = await refills.request_refill(
            info.context, patient_id, medication_request_id, pharmacy_note, idempotency_key
        )
        return cast(RequestRefillResult, present(result))

    @strawberry.mutation(
        description="Withdraw a renewal request while it is still requested (the Task becomes cancelled)."
    )
    async def cancel_refill_request(
        self,
        info: Info,
        patient_id: PatientId,
        task_id: Annotated[strawberry.ID, strawberry.argument(description="The RefillRequest id (Task.id).")],
        idempotency_key: IdempotencyKey,
    ) -> CancelRefillRequestResult:
        result = await refills.cancel_refill_request(info.context, patient_id, task_id, idempotency_key)
        return cast(CancelRefillRequestResult, present(result))

    @strawberry.mutation(
        description=(
            "Pay some or all of a patient's current balance by card (SELF; a guarantor proxy where the "
            "practice allows it): 0 < amount <= the balance payable now. The card is charged once per "
            "idempotency key and the payment is recorded in the EHR (PaymentReconciliation) before "
            "PaymentSucceeded; PaymentPending means it is taken or being confirmed, and already counted."
        )
    )
    async def make_payment(
        self,
        info: Info,
        patient_id: strawberry.ID,
        amount: MoneyInput,
        payment_token: Annotated[
            str,
            strawberry.argument(
                description="The card processor's token from its payment form (never card numbers)."
            ),
        ],
        idempotency_key: IdempotencyKey,
    ) -> MakePaymentResult:
        result = await payments.make_payment(
            info.context, patient_id, amount.value, amount.currency, payment_token, idempotency_key
        )
        return cast(MakePaymentResult, present(result))
