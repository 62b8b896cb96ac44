"""Sign-in: password, then (when enrolled) a second factor; sign-out.

Every attempt is reserved on the lockout of the username that was *typed* before anything is verified
(``auth.lockout``), whether or not an account has that name, so ``Locked`` tells nothing about existence:
an unknown name locks after four misses exactly like a real one, and a disabled account answers like a wrong
password. An unknown user's password is verified against a dummy argon2id hash, so every failure costs the
same (ASVS 5.0 6.3.8). While locked, nothing is verified, counted or extended.

The lock is checked again (``Lockout.commit``) after a session, challenge or enrollment token is made and
before it is handed out: a right guess inside a burst of parallel guesses gets ``Locked`` once the burst has
locked the account. The failure count is cleared only when the whole sign-in succeeds: a right password
followed by wrong second-factor codes keeps counting, so ``signIn`` + three wrong codes, repeated, locks at
the fourth wrong code. When failures lock a real account, its owner is told by mail, after the answer.
Every outcome is a security event; a successful sign-in always creates a new session token (ASVS 5.0 7.2.4).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from .accounts import Account, AccountStatus, modify
from .deps import Deps, signin_subject
from .inputs import canonical_username, fold, secret, text
from .lockout import LockState, Reservation
from .results import (
    CredentialsExpired,
    InvalidCode,
    InvalidCredentials,
    InvalidToken,
    Locked,
    PasswordChangeRequired,
    SignedIn,
    SignInResult,
    TwoFactorRequired,
    TwoFactorResult,
    TwoFactorSetupRequired,
)
from .session_model import ActiveSession, EndReason, SessionLevel
from .two_factor import TwoFactor

Discard = Callable[[], Awaitable[object]]


class SignIn:
    """The sign-in flows."""

    def __init__(self, deps: Deps, two_factor: TwoFactor) -> None:
        self._d = deps
        self._two_factor = two_factor

    async def sign_in(
        self, username: object, password: object, *, ip: str | None, practice_code: object = None
    ) -> SignInResult:
        """Check a username and password.

        Args:
            username: As typed (case-insensitive).
            password: As typed.
            ip: The client IP (rate limit; logged only as a keyed hash).
            practice_code: The practice code; required at first sign-in with temporary credentials, checked
                whenever given.

        Returns:
            ``SignedIn``, ``TwoFactorRequired``, ``TwoFactorSetupRequired``, ``PasswordChangeRequired``,
            ``InvalidCredentials``, ``CredentialsExpired``, ``Locked`` or ``RateLimited``.

        Raises:
            InvalidInput: A malformed argument (nothing was counted or changed).
        """
        name = canonical_username(username)
        typed = secret(password, "password")
        code = None if practice_code is None else text(practice_code, "practice_code", max_length=64)
        if limited := await self._d.limited((self._d.rules.signin_ip, ip), ip=ip):
            return limited
        account = await self._d.accounts.by_username(name)
        reservation = await self._d.lockout.reserve(name)
        if isinstance(reservation, LockState):
            return self._refused(reservation, account, ip)
        if account is None:
            await self._d.passwords.waste(typed)
            return await self._failed(reservation, None, ip, "unknown_user")
        verification = await self._d.passwords.verify(account.password_hash, typed)
        if account.status == AccountStatus.DISABLED:
            return await self._failed(reservation, account, ip, "disabled")
        if not verification.ok:
            return await self._failed(reservation, account, ip, "bad_password")
        if not self._practice_code_ok(account, code):
            return await self._failed(reservation, account, ip, "bad_practice_code")
        if verification.needs_rehash:
            await self._rehash(account, typed)
        return await self._after_password(account, reservation, ip)

    async def complete_two_factor(
        self, challenge_token: object, code: object, *, ip: str | None
    ) -> TwoFactorResult:
        """Second step of sign-in: a TOTP code or a recovery code for the challenge from ``sign_in``.

        Each code is counted before it is checked: against the challenge (``code_attempts``, then it is
        burnt) and on the username's lockout, which sign-in shares.

        Raises:
            InvalidInput: ``code`` is not a clean string.
        """
        typed = secret(code, "code")
        if limited := await self._d.limited((self._d.rules.signin_ip, ip), ip=ip):
            return limited
        challenges = self._d.challenges
        ticket = await challenges.peek(challenge_token)
        account = None if ticket is None else await self._d.accounts.get(str(ticket.payload["account_id"]))
        if ticket is None or account is None:
            return InvalidToken()

        async def burn() -> None:
            await challenges.discard(challenge_token)

        if account.status != AccountStatus.ACTIVE:
            await burn()
            return InvalidToken()
        attempts = await challenges.count_attempt(challenge_token)
        if attempts < 0:
            return InvalidToken()
        if attempts > self._d.settings.code_attempts:
            await burn()
            return InvalidCode(attempts_left=0)
        reservation = await self._d.lockout.reserve(
            str(ticket.payload.get("subject") or signin_subject(account))
        )
        if isinstance(reservation, LockState):
            await burn()
            return self._refused(reservation, account, ip)
        if not await self._two_factor.verify(account, typed):
            failed = await self._failed(reservation, account, ip, "bad_code")
            left = max(0, self._d.settings.code_attempts - attempts)
            if isinstance(failed, Locked) or left == 0:
                await burn()
            return failed if isinstance(failed, Locked) else InvalidCode(attempts_left=left)
        if await challenges.consume(challenge_token) is None:  # a concurrent use of this challenge won
            await self._d.lockout.commit(reservation, clear=False)
            return InvalidToken()
        issued = await self._d.sessions.create(account.id, two_factor=True)
        if locked := await self._hand_out(
            reservation, account, clear=True, discard=self._revoker(issued.token)
        ):
            return locked
        self._d.events.emit("signin.success", account_id=account.id, ip=ip, two_factor=True)
        return SignedIn(issued.token, issued.session.expires_at, account.id)

    async def sign_out(self, token: object) -> bool:
        """End this session server-side. Returns whether there was a live session."""
        return await self._d.sessions.revoke(token)

    async def sign_out_everywhere(self, token: object) -> int:
        """End every session of the token's account, this one included. Returns how many ended."""
        found = await self._d.sessions.resolve(token)
        if not isinstance(found, ActiveSession):
            return 0
        return await self._d.sessions.revoke_all(found.session.account_id)

    def _practice_code_ok(self, account: Account, code: str | None) -> bool:
        # The code is required at first sign-in (the seeds' enrollment) and checked whenever it is given.
        if code is None:
            return account.status != AccountStatus.INVITED
        return fold(code) == fold(self._d.settings.practice_code)

    def _refused(self, state: LockState, account: Account | None, ip: str | None) -> Locked:
        account_id = account.id if account else None
        self._d.events.emit("signin.refused_locked", account_id=account_id, ip=ip)
        self._locked(state, account, ip)
        return Locked(state.locked_until)

    async def _failed(
        self, reservation: Reservation, account: Account | None, ip: str | None, reason: str
    ) -> InvalidCredentials | Locked:
        state = await self._d.lockout.fail(reservation)
        account_id = account.id if account else None
        self._d.events.emit(
            "signin.failure", account_id=account_id, ip=ip, reason=reason, failures=state.failures
        )
        if state.locked:
            self._locked(state, account, ip)
            return Locked(state.locked_until)
        return InvalidCredentials()

    def _locked(self, state: LockState, account: Account | None, ip: str | None) -> None:
        if not state.newly_locked or state.locked_until is None:
            return
        self._d.events.emit("account.locked", account_id=account.id if account else None, ip=ip)
        if account is not None and account.status != AccountStatus.DISABLED:
            self._d.tell_owner_locked(account, state.locked_until)

    async def _hand_out(
        self, reservation: Reservation, account: Account, *, clear: bool, discard: Discard
    ) -> Locked | None:
        # Settle a right attempt after its session or ticket was made; a lock that came meanwhile wins.
        state = await self._d.lockout.commit(reservation, clear=clear)
        if not state.locked:
            return None
        await discard()
        self._d.events.emit("signin.refused_locked", account_id=account.id, stage="after_verification")
        return Locked(state.locked_until)

    def _revoker(self, token: str) -> Discard:
        return lambda: self._d.sessions.revoke(token, EndReason.REVOKED)

    async def _after_password(
        self, account: Account, reservation: Reservation, ip: str | None
    ) -> SignInResult:
        events = self._d.events
        if account.status == AccountStatus.INVITED:
            expires = account.temporary_expires_at
            if expires is None or expires <= self._d.clock.now():
                await self._d.lockout.commit(reservation, clear=False)
                events.emit("signin.failure", account_id=account.id, ip=ip, reason="invitation_expired")
                return CredentialsExpired()
            ticket = await self._d.enrollments.issue({"account_id": account.id, "verified": False})
            discard = self._d.enrollments.discard
            if locked := await self._hand_out(
                reservation, account, clear=True, discard=lambda: discard(ticket.token)
            ):
                return locked
            events.emit("signin.first", account_id=account.id, ip=ip)
            return PasswordChangeRequired(ticket.token, ticket.expires_at)
        if account.totp_enabled:
            payload = {"account_id": account.id, "subject": reservation.subject}
            ticket = await self._d.challenges.issue(payload)
            burn = self._d.challenges.discard
            # Not cleared: the sign-in is complete only with the second factor.
            if locked := await self._hand_out(
                reservation, account, clear=False, discard=lambda: burn(ticket.token)
            ):
                return locked
            events.emit("signin.challenge", account_id=account.id, ip=ip)
            return TwoFactorRequired(ticket.token, ticket.expires_at)
        if self._d.settings.require_totp:
            issued = await self._d.sessions.create(account.id, level=SessionLevel.TOTP_SETUP)
            if locked := await self._hand_out(
                reservation, account, clear=True, discard=self._revoker(issued.token)
            ):
                return locked
            events.emit("signin.success", account_id=account.id, ip=ip, level=SessionLevel.TOTP_SETUP.value)
            return TwoFactorSetupRequired(issued.token, issued.session.expires_at, account.id)
        issued = await self._d.sessions.create(account.id)
        if locked := await self._hand_out(
            reservation, account, clear=True, discard=self._revoker(issued.token)
        ):
            return locked
        events.emit("signin.success", account_id=account.id, ip=ip, two_factor=False)
        return SignedIn(issued.token, issued.session.expires_at, account.id)

    async def _rehash(self, account: Account, password: str) -> None:
        new_hash = await self._d.passwords.hash(password)
        old_hash = account.password_hash

        def update(current: Account) -> Account | None:
            return current.evolve(password_hash=new_hash) if current.password_hash == old_hash else None

        await modify(self._d.accounts, account.id, update)
