"""Portal accounts: the ``Account`` record and the ``AccountStore`` interface.

An account is the gateway's own data (docs/architecture.md section 1): credentials and portal state, never
clinical data.
It names the FHIR ``Person`` that stands for the user (whose links name the user's own ``Patient`` and any
``RelatedPerson`` they act as) and the user's own ``Patient``. Redis is the store today
(``RedisAccountStore``); the ``AccountStore`` protocol lets a SQL store be added later.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from .clock import epoch, from_epoch
from .errors import StaleAccount

_TIMES = ("created_at", "temporary_expires_at", "password_changed_at", "consent_accepted_at")


class AccountStatus(StrEnum):
    """Where an account is in its life.

    A temporary lock after failed sign-ins is not a status: it expires by itself and lives in
    ``auth.lockout``. ``DISABLED`` is a staff decision and lasts until staff enable the account again.
    """

    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


@dataclass(frozen=True, slots=True)
class Account:
    """One portal account. Secrets are hashes; ``repr`` leaves them out.

    Attributes:
        id: Opaque random id (``acc_`` + 128 bits); safe to log.
        username: Canonical username (NFKC, case-folded; see ``auth.inputs.canonical_username``).
        patient_id: The user's own FHIR Patient id.
        person_id: The FHIR Person id standing for the user, once known.
        email: Canonical email address (mail goes here; username recovery looks it up).
        password_hash: argon2id hash of the password (of the temporary password while ``INVITED``).
        status: ``INVITED``, ``ACTIVE`` or ``DISABLED``.
        created_at: When the account was created.
        temporary_expires_at: When the invitation's temporary credentials expire (``INVITED`` only).
        password_changed_at: When the password was last set by its owner; reset links issued before it die.
        security_question: The question the user chose (shown on the reset form).
        security_answer_hash: argon2id hash of the normalized answer (``auth.inputs.fold``).
        totp_secret: Base32 TOTP seed (pending until ``totp_enabled``).
        totp_enabled: Two-factor is on.
        totp_last_counter: The last TOTP time step accepted (replay protection, ASVS 5.0 6.5.1).
        recovery_code_hashes: SHA-256 hashes of the unused recovery codes.
        consent_accepted_at: When the practice consent form was accepted.
        consent_id: The FHIR Consent recording that acceptance.
        version: Optimistic-concurrency counter, bumped by every save.
    """

    id: str
    username: str
    patient_id: str
    email: str
    password_hash: str = field(repr=False)
    status: AccountStatus
    created_at: datetime
    person_id: str | None = None
    temporary_expires_at: datetime | None = None
    password_changed_at: datetime | None = None
    security_question: str | None = None
    security_answer_hash: str | None = field(default=None, repr=False)
    totp_secret: str | None = field(default=None, repr=False)
    totp_enabled: bool = False
    totp_last_counter: int = -1
    recovery_code_hashes: tuple[str, ...] = field(default=(), repr=False)
    consent_accepted_at: datetime | None = None
    consent_id: str | None = None
    version: int = 0

    def evolve(self, **changes: Any) -> Account:
        """A copy with ``changes`` applied (the version is bumped by the store, not here)."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON-ready mapping (times as epoch seconds)."""
        data = asdict(self)
        data["status"] = self.status.value
        data["recovery_code_hashes"] = list(self.recovery_code_hashes)
        for name in _TIMES:
            value = data[name]
            data[name] = None if value is None else epoch(value)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Account:
        """Rebuild an account from ``to_json`` output (unknown keys are ignored: newer writers add some)."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["status"] = AccountStatus(known["status"])
        known["recovery_code_hashes"] = tuple(known.get("recovery_code_hashes", ()))
        for name in _TIMES:
            if known.get(name) is not None:
                known[name] = from_epoch(float(known[name]))
        return cls(**known)


def new_account_id() -> str:
    """A fresh opaque account id (128 random bits)."""
    return "acc_" + secrets.token_hex(16)


class AccountStore(Protocol):
    """Where accounts live: usernames unique (case-insensitively), each Patient enrolled at most once.

    Every write is all-or-nothing: a failed ``create`` or ``save`` leaves no partial record or index entry.
    """

    async def create(self, account: Account) -> Account:
        """Store a new account.

        Raises:
            UsernameTaken: Another account has the username.
            PatientAlreadyEnrolled: Another account belongs to the same Patient.
        """
        ...

    async def get(self, account_id: str) -> Account | None:
        """The account with ``account_id``, or ``None``."""
        ...

    async def by_username(self, username: str) -> Account | None:
        """The account with this canonical username, or ``None``."""
        ...

    async def by_patient(self, patient_id: str) -> Account | None:
        """The account of this Patient, or ``None``."""
        ...

    async def by_email(self, email: str) -> list[Account]:
        """The accounts with this canonical email (a household may share one address)."""
        ...

    async def save(self, account: Account) -> Account:
        """Write ``account`` if nobody changed it since it was read; return it with the version bumped.

        A changed username or email moves the index entries in the same atomic step.

        Raises:
            StaleAccount: The stored version differs from ``account.version``.
            AccountNotFound: The account does not exist (any more).
            UsernameTaken: The new username belongs to another account.
        """
        ...

    async def delete(self, account_id: str) -> bool:
        """Remove an account and its index entries; ``False`` when there was none."""
        ...


async def modify(
    store: AccountStore, account_id: str, change: Callable[[Account], Account | None], *, tries: int = 5
) -> Account | None:
    """Read-modify-write with optimistic concurrency: apply ``change`` to the current account and save it.

    ``change`` sees the freshest copy on every try, so a decision that depends on the account (a TOTP step not
    yet used, a recovery code still unused) is re-made after a concurrent update instead of being overwritten.

    Args:
        store: The account store.
        account_id: Which account.
        change: Returns the changed account, or ``None`` to refuse (nothing is written).
        tries: Attempts before giving up under heavy contention.

    Returns:
        The saved account, or ``None`` when the account is missing or ``change`` refused.

    Raises:
        StaleAccount: Still conflicting after ``tries`` attempts.
    """
    for _ in range(tries):
        current = await store.get(account_id)
        if current is None:
            return None
        changed = change(current)
        if changed is None:
            return None
        try:
            return await store.save(changed)
        except StaleAccount:
            continue
    raise StaleAccount("the account kept changing; try again")
