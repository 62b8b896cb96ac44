"""Staff commands on portal accounts: invite, reset two-step verification, seed the demo accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import auth
from auth.accounts import new_account_id
from auth.inputs import canonical_username, fold
from auth.passwords import PasswordHasher

from .app import services
from .settings import Settings

# Published with the demo accounts (fixtures/accounts.py): development only, like the shared password.
DEMO_SECURITY_QUESTION = "What is the name of your practice's town?"
DEMO_SECURITY_ANSWER = "Maple Grove"


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What ``seed_demo_accounts`` did."""

    created: tuple[str, ...]
    existing: tuple[str, ...]


async def invite(settings: Settings, patient_id: str, email: str | None) -> auth.Invitation:
    """Invite a Patient: temporary credentials are mailed to them (``python -m gateway invite``).

    Args:
        settings: The gateway settings (Redis, the EHR, mail).
        patient_id: The FHIR Patient id.
        email: Where to send the invitation; default: the Patient's email on file.

    Returns:
        The invitation (account id, temporary username, expiry; never the password).

    Raises:
        auth.InvalidInput: No such Patient, a malformed id or no email address.
        auth.PatientAlreadyEnrolled: The Patient already has an active account.
    """
    settings.check_startable()
    async with services(settings, background=False) as state:
        directory = auth.FhirPatientDirectory(state["fhir"])
        return await state["auth"].enrollment.invite(patient_id, directory=directory, email=email)


async def reset_two_factor(settings: Settings, *, username: str | None, patient_id: str | None) -> str:
    """Turn an account's two-step verification off and end its sessions (CLI ``reset-two-factor``).

    For a patient who lost their authenticator, or whose session was used to enroll someone else's: a password
    reset demands the second factor, so this is their way back. Recorded as the security event ``totp.reset``
    (``by=staff``); the owner is told by mail.

    Args:
        settings: The gateway settings (Redis, mail).
        username: The account's username (as the patient types it), or
        patient_id: the FHIR Patient id of the account.

    Returns:
        The account id.

    Raises:
        auth.InvalidInput: A malformed username.
        auth.AccountNotFound: No such account.
    """
    settings.check_startable()
    async with services(settings, background=False) as state:
        store = state["auth"].accounts
        if username is not None:
            account = await store.by_username(canonical_username(username))
        else:
            account = await store.by_patient(patient_id or "")
        if account is None:
            raise auth.AccountNotFound("no such account")
        await state["auth"].staff.reset_two_factor(account.id, by="staff")
        return account.id


@dataclass(frozen=True, slots=True)
class NewAccount:
    """An active account to create: its username, FHIR Patient and Person, and e-mail address."""

    username: str
    patient_id: str
    person_id: str
    email: str


async def seed_demo_accounts(settings: Settings) -> SeedReport:
    """Create the active demo accounts of ``fixtures.accounts`` (idempotent; development only).

    Each gets the published demo password, security question and answer. Accounts that exist already (by
    username or by Patient) are left alone.

    Args:
        settings: The gateway settings; ``environment`` must be ``development``.

    Returns:
        The usernames created and those already there.

    Raises:
        ValueError: Outside development (the demo password is public).
    """
    if not settings.development:
        raise ValueError("demo accounts exist only in development: their password is published")
    from fixtures.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

    accounts = [NewAccount(d.username, d.patient_id, d.person_id, d.email) for d in DEMO_ACCOUNTS]
    return await create_accounts(settings, accounts, DEMO_PASSWORD)


async def create_accounts(settings: Settings, accounts: Sequence[NewAccount], password: str) -> SeedReport:
    """Create active accounts that share one password and the demo security question (idempotent).

    For the demo accounts and the benchmark's synthetic patients only: a shared password is never right for
    a real patient. Accounts that exist already (by username or by Patient) are left alone.

    Args:
        settings: The gateway settings (Redis, argon2 cost).
        accounts: The accounts to create.
        password: Their password.

    Returns:
        The usernames created and those already there.
    """
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    password_hash = await hasher.hash(password)
    answer_hash = await hasher.hash(fold(DEMO_SECURITY_ANSWER))
    created: list[str] = []
    existing: list[str] = []
    async with services(settings, background=False) as state:
        store, now = state["auth"].accounts, auth.SystemClock().now()
        for new in accounts:
            if await store.by_username(new.username) or await store.by_patient(new.patient_id):
                existing.append(new.username)
                continue
            account = auth.Account(
                id=new_account_id(),
                username=new.username,
                patient_id=new.patient_id,
                person_id=new.person_id,
                email=new.email,
                password_hash=password_hash,
                status=auth.AccountStatus.ACTIVE,
                created_at=now,
                password_changed_at=now,
                security_question=DEMO_SECURITY_QUESTION,
                security_answer_hash=answer_hash,
                consent_accepted_at=now,
            )
            try:
                await store.create(account)
            except auth.UsernameTaken:
                existing.append(new.username)
                continue
            created.append(new.username)
    return SeedReport(tuple(created), tuple(existing))
