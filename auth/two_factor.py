"""Two-factor authentication with TOTP and recovery codes: enroll, confirm, disable, verify.

Enrollment is two steps so a typo in the authenticator app cannot lock anyone out: ``begin`` stores a pending
secret and returns the ``otpauth://`` URI; ``confirm`` turns two-factor on only after a code from the app
matched, hands out ten recovery codes (shown once, stored hashed) and rotates the session token (a privilege
change, ASVS 5.0 7.2.4). Both need a fresh password proof (``auth.reauth``): a stolen session must not enroll
the thief's authenticator. ``disable`` needs the password again, with sign-in's rate limit and lock (ASVS
5.0 7.5.1), and is refused while the practice requires two-factor. ``verify`` checks a TOTP code or a
recovery code for sign-in and reset; each time step and each recovery code works once (ASVS 5.0 6.5.1),
enforced by a compare-and-swap on the account.
"""

from __future__ import annotations

from . import mail_templates, totp
from .accounts import Account, modify
from .deps import Deps
from .errors import NotPermitted
from .inputs import secret
from .reauth import Reauthentication
from .results import (
    BeginTotpResult,
    ConfirmTotpResult,
    DisableTotpResult,
    InvalidCode,
    InvalidToken,
    ReauthenticationRequired,
    TotpDisabled,
    TotpEnabled,
    TotpEnrollment,
)
from .session_model import ActiveSession, EndReason, Session, SessionLevel


class TwoFactor:
    """The TOTP flows. Methods taking ``token`` act for the signed-in owner of that session token."""

    def __init__(self, deps: Deps, reauth: Reauthentication) -> None:
        self._d = deps
        self._reauth = reauth

    async def begin(self, token: str) -> BeginTotpResult:
        """Start enrolling: store a pending secret, return it with its ``otpauth://`` URI (issuer: practice).

        Returns:
            ``ReauthenticationRequired`` when the session's password proof is not fresh.

        Raises:
            NotPermitted: Two-factor is already on (disable it first).
        """
        session = await self._session(token)
        if session is None:
            return InvalidToken()
        if not self._reauth.fresh(session):
            return ReauthenticationRequired()
        new_secret = totp.new_secret()

        def pending(account: Account) -> Account | None:
            if account.totp_enabled:
                raise NotPermitted("two-factor authentication is already on")
            return account.evolve(totp_secret=new_secret)

        account = await modify(self._d.accounts, session.account_id, pending)
        if account is None:
            return InvalidToken()
        uri = totp.provisioning_uri(
            new_secret, account_name=account.username, issuer=self._d.settings.practice_name
        )
        return TotpEnrollment(secret=new_secret, uri=uri)

    async def confirm(self, token: str, code: object) -> ConfirmTotpResult:
        """Finish enrolling with a code from the app: turn two-factor on, issue recovery codes, new token."""
        typed = secret(code, "code")
        session = await self._session(token)
        if session is None:
            return InvalidToken()
        if not self._reauth.fresh(session):
            return ReauthenticationRequired()
        now = self._d.clock.now()
        codes = totp.new_recovery_codes()

        def enable(account: Account) -> Account | None:
            pending = account.totp_secret
            if account.totp_enabled or pending is None:
                return None
            counter = totp.match_counter(pending, typed, now, after=account.totp_last_counter)
            if counter is None:
                return None
            hashes = tuple(totp.recovery_code_hash(account.id, c) for c in codes)
            return account.evolve(totp_enabled=True, totp_last_counter=counter, recovery_code_hashes=hashes)

        account = await modify(self._d.accounts, session.account_id, enable)
        if account is None:
            return InvalidCode(attempts_left=1)
        rotated = await self._d.sessions.rotate(token, level=SessionLevel.FULL, two_factor=True)
        if rotated is None:
            return InvalidToken()
        self._d.events.emit("totp.enabled", account_id=account.id)
        await self._notify(account, enabled=True)
        return TotpEnabled(tuple(codes), rotated.token, rotated.session.expires_at)

    async def disable(self, token: str, password: object, *, ip: str | None = None) -> DisableTotpResult:
        """Turn two-factor off after re-entering the password; ends the account's other sessions.

        Args:
            token: The session token.
            password: The account's password (a proof with sign-in's rate limit and lock).
            ip: The client address.

        Raises:
            NotPermitted: The practice requires two-factor for everyone.
        """
        typed = secret(password, "password")
        if self._d.settings.require_totp:
            raise NotPermitted("the practice requires two-factor authentication")
        session = await self._session(token, level=SessionLevel.FULL)
        if session is None:
            return InvalidToken()
        account = await self._d.accounts.get(session.account_id)
        if account is None:
            return InvalidToken()
        if problem := await self._reauth.prove(account, typed, ip=ip):
            return problem

        def off(current: Account) -> Account:
            return current.evolve(
                totp_enabled=False, totp_secret=None, recovery_code_hashes=(), totp_last_counter=-1
            )

        await modify(self._d.accounts, account.id, off)
        rotated = await self._d.sessions.rotate(token, two_factor=False, reauthenticated=True)
        if rotated is None:
            return InvalidToken()
        await self._d.sessions.revoke_all(account.id, except_token=rotated.token, reason=EndReason.REVOKED)
        self._d.events.emit("totp.disabled", account_id=account.id)
        await self._notify(account, enabled=False)
        return TotpDisabled(rotated.token, rotated.session.expires_at)

    async def verify(self, account: Account, code: str) -> bool:
        """Check a second factor: a TOTP code (each time step once) or an unused recovery code.

        The used step or code is recorded before this returns ``True``; a concurrent second use of the same
        code sees the update and fails.
        """
        if not account.totp_enabled:
            return False
        now = self._d.clock.now()
        if totp.looks_like_recovery_code(code):
            wanted = totp.recovery_code_hash(account.id, code)

            def use_code(current: Account) -> Account | None:
                if wanted not in current.recovery_code_hashes:
                    return None
                left = tuple(h for h in current.recovery_code_hashes if h != wanted)
                return current.evolve(recovery_code_hashes=left)

            used = await modify(self._d.accounts, account.id, use_code)
            if used is not None:
                self._d.events.emit(
                    "recovery_code.used", account_id=account.id, left=len(used.recovery_code_hashes)
                )
            return used is not None

        def use_step(current: Account) -> Account | None:
            if not current.totp_enabled or current.totp_secret is None:
                return None
            counter = totp.match_counter(current.totp_secret, code, now, after=current.totp_last_counter)
            return None if counter is None else current.evolve(totp_last_counter=counter)

        return await modify(self._d.accounts, account.id, use_step) is not None

    async def _session(self, token: str, level: SessionLevel | None = None) -> Session | None:
        found = await self._d.sessions.resolve(token)
        if not isinstance(found, ActiveSession):
            return None
        if level is not None and found.session.level != level:
            return None
        return found.session

    async def _notify(self, account: Account, *, enabled: bool) -> None:
        await self._d.mailer.send(
            mail_templates.two_factor_changed(
                account.email,
                practice=self._d.settings.practice_name,
                enabled=enabled,
                when=self._d.clock.now(),
            )
        )
