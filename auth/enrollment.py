"""Enrollment, as the portal's help pages describe it.

1. Staff invite a Patient (CLI or admin mutation): an ``INVITED`` account with a random temporary username and
   password (expiring after ``invite_hours``, default 72; ASVS 5.0 6.4.1) is created and both are mailed.
2. First sign-in with practice code + temporary credentials (``SignIn.sign_in``) answers
   ``PasswordChangeRequired`` with an enrollment token.
3. ``verify_identity``: birth date OR phone number, compared with the FHIR Patient. Each try is counted before
   it is checked: on the token (``code_attempts``, then it is burnt) and per account across tokens
   (``auth.lockout``, kind ``codes``), since signing in again with the temporary password gives a new token.
4. ``complete``: new password (policy-checked; not the temporary one), security question and answer (stored
   hashed), consent-form acceptance recorded as a FHIR ``Consent``, optionally a username of one's own -> the
   account is ``ACTIVE``; the user then signs in with the new password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fhir_client import is_fhir_id

from . import mail_templates
from .accounts import Account, AccountStatus, new_account_id
from .credentials import Credentials
from .deps import Deps
from .directory import ConsentAcceptance, PatientDirectory
from .errors import InvalidInput, PatientAlreadyEnrolled, UsernameTaken
from .inputs import birth_date, canonical_email, canonical_username, fold, phone_digits, secret, text
from .lockout import LockState
from .policy import PasswordProblem
from .results import (
    ConsentRequired,
    EnrollmentCompleted,
    EnrollmentResult,
    IdentityNotVerified,
    IdentityResult,
    IdentityVerified,
    InvalidToken,
    PasswordRejected,
    UsernameUnavailable,
)

# No 0/o, 1/l/i: temporary credentials are typed from a mail or a printed letter.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
QUESTION_MAX = 200
ANSWER_MIN = 3


@dataclass(frozen=True, slots=True)
class Invitation:
    """What staff see after inviting (the temporary password only goes to the patient's mailbox)."""

    account_id: str
    username: str
    expires_at: datetime


class Enrollment:
    """The enrollment flows."""

    def __init__(self, deps: Deps, credentials: Credentials) -> None:
        self._d = deps
        self._credentials = credentials

    async def invite(
        self, patient_id: object, *, directory: PatientDirectory, email: object = None
    ) -> Invitation:
        """Invite a Patient: create (or renew) an ``INVITED`` account and mail temporary credentials.

        Args:
            patient_id: The FHIR Patient id.
            directory: The EHR.
            email: Where to send the invitation; default: the Patient's first email in ``telecom``.

        Returns:
            The account id, temporary username and expiry.

        Raises:
            InvalidInput: A malformed id, no such Patient, or no email address.
            PatientAlreadyEnrolled: The Patient already has an active (or disabled) account.
            OSError: The invitation mail could not be sent (the account exists; invite again to retry).
        """
        pid = text(patient_id, "patient_id", max_length=64)
        if not is_fhir_id(pid):
            raise InvalidInput("patient_id", "is not a FHIR id")
        identity = await directory.patient_identity(pid)
        if identity is None:
            raise InvalidInput("patient_id", "no such patient")
        if email is not None:
            address = canonical_email(email)
        elif identity.emails:
            address = canonical_email(identity.emails[0])
        else:
            raise InvalidInput("email", "the patient has no email address on file; give one")
        existing = await self._d.accounts.by_patient(pid)
        if existing is not None and existing.status != AccountStatus.INVITED:
            raise PatientAlreadyEnrolled("this patient already has a portal account")
        password = _random(16)
        password_hash = await self._d.passwords.hash(password)
        expires_at = self._d.clock.now() + timedelta(hours=self._d.settings.invite_hours)
        account = await self._store_invitation(existing, pid, address, password_hash, expires_at, directory)
        settings = self._d.settings
        await self._d.mailer.send(
            mail_templates.invitation(
                address,
                practice=settings.practice_name,
                practice_code=settings.practice_code,
                username=account.username,
                password=password,
                expires_at=expires_at,
            )
        )
        self._d.events.emit("enrollment.invited", account_id=account.id, renewed=existing is not None)
        return Invitation(account.id, account.username, expires_at)

    async def verify_identity(
        self,
        enrollment_token: object,
        *,
        directory: PatientDirectory,
        born: object = None,
        phone: object = None,
    ) -> IdentityResult:
        """Check the birth date or the phone number against the Patient.

        Raises:
            InvalidInput: Neither (or a malformed) birth date or phone given.
        """
        if born is None and phone is None:
            raise InvalidInput("identity", "give a birth date or a phone number")
        day = None if born is None else birth_date(born)
        digits = None if phone is None else phone_digits(phone)
        tokens, codes, limit = self._d.enrollments, self._d.codes, self._d.settings.code_attempts
        ticket = await tokens.peek(enrollment_token)
        account = await self._invited(ticket.payload if ticket else None)
        if ticket is None or account is None:
            return InvalidToken()
        attempts = await tokens.count_attempt(enrollment_token)
        if attempts < 0:
            return InvalidToken()
        reservation = await codes.reserve(f"identity:{account.id}")
        if attempts > limit or isinstance(reservation, LockState):
            await tokens.discard(enrollment_token)
            self._d.events.emit("enrollment.identity_refused", account_id=account.id)
            return IdentityNotVerified(attempts_left=0)
        identity = await directory.patient_identity(account.patient_id)
        matched = identity is not None and (
            (day is not None and identity.birth_date == day)
            or (digits is not None and digits in identity.phones)
        )
        if not matched:
            state = await codes.fail(reservation)
            left = 0 if state.locked else max(0, limit - attempts)
            if left == 0:
                await tokens.discard(enrollment_token)
            self._d.events.emit("enrollment.identity_failed", account_id=account.id, attempts_left=left)
            return IdentityNotVerified(attempts_left=left)
        await codes.commit(reservation, clear=True)
        if not await tokens.replace_payload(enrollment_token, {**ticket.payload, "verified": True}):
            return InvalidToken()
        self._d.events.emit("enrollment.identity_verified", account_id=account.id)
        return IdentityVerified()

    async def complete(
        self,
        enrollment_token: object,
        *,
        new_password: object,
        security_question: object,
        security_answer: object,
        accept_consent: object,
        directory: PatientDirectory,
        username: object = None,
    ) -> EnrollmentResult:
        """Set the password, security question and answer, record the consent, activate the account.

        Nothing changes unless everything is acceptable; the FHIR Consent is written (idempotently) before the
        token is used up, so a failure upstream can be retried with the same token.

        Raises:
            InvalidInput: A malformed argument.
        """
        password = secret(new_password, "new_password")
        question = text(security_question, "security_question", max_length=QUESTION_MAX).strip()
        answer = fold(text(security_answer, "security_answer", max_length=QUESTION_MAX))
        if len(answer) < ANSWER_MIN:
            raise InvalidInput("security_answer", f"must be at least {ANSWER_MIN} characters")
        if not isinstance(accept_consent, bool):
            raise InvalidInput("accept_consent", "must be true or false")
        wanted = None if username is None else canonical_username(username)
        ticket = await self._d.enrollments.peek(enrollment_token)
        account = await self._invited(ticket.payload if ticket else None)
        if ticket is None or account is None:
            return InvalidToken()
        if ticket.payload.get("verified") is not True:
            return IdentityNotVerified(attempts_left=self._d.settings.code_attempts - ticket.attempts)
        if not accept_consent:
            return ConsentRequired()
        name = wanted or account.username
        if name != account.username and await self._d.accounts.by_username(name) is not None:
            return UsernameUnavailable()
        problems = await self._credentials.problems(account, password, directory, username=name)
        if (await self._d.passwords.verify(account.password_hash, password)).ok:
            problems = (*problems, PasswordProblem.SAME_AS_TEMPORARY)
        if problems:
            return PasswordRejected(problems)
        now = self._d.clock.now()
        acceptance = ConsentAcceptance(
            account.patient_id, account.id, now, self._d.settings.consent_policy_uri
        )
        consent_id = await directory.record_consent(acceptance)
        if await self._d.enrollments.consume(enrollment_token) is None:
            return InvalidToken()
        try:
            saved = await self._credentials.store(
                account,
                password,
                notify=False,
                status=AccountStatus.ACTIVE,
                username=name,
                temporary_expires_at=None,
                security_question=question,
                security_answer_hash=await self._d.passwords.hash(answer),
                consent_accepted_at=now,
                consent_id=consent_id,
            )
        except UsernameTaken:
            return UsernameUnavailable()
        self._d.events.emit("enrollment.completed", account_id=saved.id)
        return EnrollmentCompleted(saved.id, saved.username)

    async def _invited(self, payload: dict[str, object] | None) -> Account | None:
        if payload is None:
            return None
        account = await self._d.accounts.get(str(payload.get("account_id")))
        return account if account is not None and account.status == AccountStatus.INVITED else None

    async def _store_invitation(
        self,
        existing: Account | None,
        patient_id: str,
        email: str,
        password_hash: str,
        expires_at: datetime,
        directory: PatientDirectory,
    ) -> Account:
        for _ in range(5):  # a clash of random 10-character usernames is a 1-in-10^14 event; retry anyway
            username = "p" + _random(9)
            try:
                if existing is not None:
                    changed = existing.evolve(
                        username=username,
                        email=email,
                        password_hash=password_hash,
                        temporary_expires_at=expires_at,
                    )
                    return await self._d.accounts.save(changed)
                account_id = new_account_id()
                person_id = await directory.ensure_person(patient_id, account_id)
                account = Account(
                    id=account_id,
                    username=username,
                    patient_id=patient_id,
                    person_id=person_id,
                    email=email,
                    password_hash=password_hash,
                    status=AccountStatus.INVITED,
                    created_at=self._d.clock.now(),
                    temporary_expires_at=expires_at,
                )
                return await self._d.accounts.create(account)
            except UsernameTaken:
                continue
        raise UsernameTaken("could not find a free temporary username")


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
