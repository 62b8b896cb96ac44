"""Re-authentication: a fresh password proof before changes that could take an account over.

A stolen session token must not be enough to enroll the attacker's authenticator (which a reset would then
demand), to turn two-step verification off, or to change the password (ASVS 5.0 7.5.1, 6.3.6). Those changes
need the password from the last ``reauth_minutes`` (default 5): the sign-in itself counts, and so does
``reauthenticate``, which also rotates the session token (ASVS 5.0 7.2.4). ``disableTotp`` and
``changePassword`` take the password inline, which is the proof.

Every proof goes through sign-in's throttling and lock: the client address's sign-in rate limit, and a
reservation on the account's username lockout (``auth.lockout``) before the password is verified. Wrong
proofs count towards the same four-failure lock as wrong sign-ins.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .accounts import Account, AccountStatus
from .deps import Deps, signin_subject
from .inputs import secret
from .lockout import LockState
from .results import (
    InvalidCredentials,
    InvalidToken,
    Locked,
    ProofProblem,
    Reauthenticated,
    ReauthenticateResult,
)
from .session_model import ActiveSession, Session


class Reauthentication:
    """Password proofs for signed-in users."""

    def __init__(self, deps: Deps) -> None:
        self._d = deps

    @property
    def window(self) -> timedelta:
        """How long a proof stays fresh."""
        return timedelta(minutes=self._d.settings.reauth_minutes)

    def fresh(self, session: Session) -> bool:
        """Whether the session's last password proof (sign-in or re-authentication) is recent enough."""
        return self._d.clock.now() - session.authenticated_at <= self.window

    def fresh_until(self, session: Session) -> datetime:
        """When the session's last proof stops being fresh."""
        return session.authenticated_at + self.window

    async def prove(self, account: Account, password: str, *, ip: str | None) -> ProofProblem | None:
        """Check ``account``'s password with sign-in's rate limit and lock.

        Args:
            account: The signed-in account.
            password: What the user typed (already checked to be a clean string).
            ip: The client address.

        Returns:
            ``None`` when the password is right and the account is not locked, else the problem to answer.
        """
        if limited := await self._d.limited((self._d.rules.signin_ip, ip), ip=ip):
            return limited
        events = self._d.events
        reservation = await self._d.lockout.reserve(signin_subject(account))
        if isinstance(reservation, LockState):
            events.emit("reauth.refused_locked", account_id=account.id, ip=ip)
            return Locked(reservation.locked_until)
        if not (await self._d.passwords.verify(account.password_hash, password)).ok:
            state = await self._d.lockout.fail(reservation)
            events.emit("reauth.failure", account_id=account.id, ip=ip, failures=state.failures)
            if not state.locked:
                return InvalidCredentials()
            if state.newly_locked and state.locked_until is not None:
                events.emit("account.locked", account_id=account.id, ip=ip)
                self._d.tell_owner_locked(account, state.locked_until)
            return Locked(state.locked_until)
        state = await self._d.lockout.commit(reservation, clear=True)
        return Locked(state.locked_until) if state.locked else None

    async def reauthenticate(self, token: str, password: object, *, ip: str | None) -> ReauthenticateResult:
        """``reauthenticate``: prove the password again; the session gets a new token and a fresh proof.

        Raises:
            InvalidInput: ``password`` is not a clean string.
        """
        typed = secret(password, "password")
        found = await self._d.sessions.resolve(token)
        if not isinstance(found, ActiveSession):
            return InvalidToken()
        account = await self._d.accounts.get(found.session.account_id)
        if account is None or account.status != AccountStatus.ACTIVE:
            return InvalidToken()
        if problem := await self.prove(account, typed, ip=ip):
            return problem
        rotated = await self._d.sessions.rotate(token, reauthenticated=True)
        if rotated is None:
            return InvalidToken()
        self._d.events.emit("reauth.success", account_id=account.id, ip=ip)
        session = rotated.session
        return Reauthenticated(rotated.token, session.expires_at, self.fresh_until(session))
