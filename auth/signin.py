"""Sign-in: password, then (when enrolled) a second factor; sign-out.

``sign_in`` answers with one of the ``SignInResult`` dataclasses. An unknown username and a wrong password get
the same ``InvalidCredentials`` after the same work: an unknown user's password is verified against a dummy
argon2id hash (ASVS 5.0 6.3.8). Failures count towards the account's lockout (``auth.lockout``): the
``lockout_threshold``-th consecutive one locks it, and while it is locked even the right password is refused.
Every outcome is a security event. A successful sign-in always creates a new session token (ASVS 5.0 7.2.4).
"""

from __future__ import annotations

from .accounts import Account, AccountStatus, modify
from .deps import Deps
from .inputs import canonical_username, fold, secret, text
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
from .session_model import ActiveSession, SessionLevel
from .two_factor import TwoFactor


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
        events = self._d.events
        if limited := await self._d.limited((self._d.rules.signin_ip, ip), ip=ip):
            return limited
        account = await self._d.accounts.by_username(name)
        if account is None:
            await self._d.passwords.waste(typed)
            events.emit("signin.failure", ip=ip, reason="unknown_user")
            return InvalidCredentials()
        lock = await self._d.lockout.state(account.id)
        if lock.locked or account.status == AccountStatus.DISABLED:
            await self._d.passwords.waste(typed)
            events.emit("signin.refused_locked", account_id=account.id, ip=ip, disabled=not lock.locked)
            return Locked(lock.locked_until)
        verification = await self._d.passwords.verify(account.password_hash, typed)
        if not verification.ok:
            return await self._failed(account, ip, "bad_password")
        if not self._practice_code_ok(account, code):
            return await self._failed(account, ip, "bad_practice_code")
        await self._d.lockout.clear(account.id)
        if verification.needs_rehash:
            await self._rehash(account, typed)
        return await self._after_password(account, ip)

    async def complete_two_factor(
        self, challenge_token: object, code: object, *, ip: str | None
    ) -> TwoFactorResult:
        """Second step of sign-in: a TOTP code or a recovery code for the challenge from ``sign_in``.

        Wrong codes count against the challenge (``code_attempts``, then it is burnt) and the account lockout.

        Raises:
            InvalidInput: ``code`` is not a clean string.
        """
        typed = secret(code, "code")
        if limited := await self._d.limited((self._d.rules.signin_ip, ip), ip=ip):
            return limited
        ticket = await self._d.challenges.peek(challenge_token)
        account = None if ticket is None else await self._d.accounts.get(str(ticket.payload["account_id"]))
        if account is None:
            return InvalidToken()
        lock = await self._d.lockout.state(account.id)
        if lock.locked or account.status != AccountStatus.ACTIVE:
            await self._d.challenges.discard(challenge_token)
            return Locked(lock.locked_until)
        if not await self._two_factor.verify(account, typed):
            attempts = await self._d.challenges.count_attempt(challenge_token)
            state = await self._d.lockout.record_failure(account.id)
            self._d.events.emit("signin.failure", account_id=account.id, ip=ip, reason="bad_code")
            left = max(0, self._d.settings.code_attempts - attempts)
            if state.locked:
                self._d.events.emit("account.locked", account_id=account.id, ip=ip)
                await self._d.challenges.discard(challenge_token)
                return Locked(state.locked_until)
            if left == 0:
                await self._d.challenges.discard(challenge_token)
            return InvalidCode(attempts_left=left)
        if await self._d.challenges.consume(challenge_token) is None:
            return InvalidToken()
        await self._d.lockout.clear(account.id)
        issued = await self._d.sessions.create(account.id, two_factor=True)
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

    async def _failed(self, account: Account, ip: str | None, reason: str) -> InvalidCredentials | Locked:
        state = await self._d.lockout.record_failure(account.id)
        self._d.events.emit(
            "signin.failure", account_id=account.id, ip=ip, reason=reason, failures=state.failures
        )
        if state.locked:
            self._d.events.emit("account.locked", account_id=account.id, ip=ip)
            return Locked(state.locked_until)
        return InvalidCredentials()

    async def _after_password(self, account: Account, ip: str | None) -> SignInResult:
        events = self._d.events
        if account.status == AccountStatus.INVITED:
            expires = account.temporary_expires_at
            if expires is None or expires <= self._d.clock.now():
                events.emit("signin.failure", account_id=account.id, ip=ip, reason="invitation_expired")
                return CredentialsExpired()
            ticket = await self._d.enrollments.issue({"account_id": account.id, "verified": False})
            events.emit("signin.first", account_id=account.id, ip=ip)
            return PasswordChangeRequired(ticket.token, ticket.expires_at)
        if account.totp_enabled:
            ticket = await self._d.challenges.issue({"account_id": account.id})
            events.emit("signin.challenge", account_id=account.id, ip=ip)
            return TwoFactorRequired(ticket.token, ticket.expires_at)
        if self._d.settings.require_totp:
            issued = await self._d.sessions.create(account.id, level=SessionLevel.TOTP_SETUP)
            events.emit("signin.success", account_id=account.id, ip=ip, level=SessionLevel.TOTP_SETUP.value)
            return TwoFactorSetupRequired(issued.token, issued.session.expires_at, account.id)
        issued = await self._d.sessions.create(account.id)
        events.emit("signin.success", account_id=account.id, ip=ip, two_factor=False)
        return SignedIn(issued.token, issued.session.expires_at, account.id)

    async def _rehash(self, account: Account, password: str) -> None:
        new_hash = await self._d.passwords.hash(password)
        old_hash = account.password_hash

        def update(current: Account) -> Account | None:
            return current.evolve(password_hash=new_hash) if current.password_hash == old_hash else None

        await modify(self._d.accounts, account.id, update)
