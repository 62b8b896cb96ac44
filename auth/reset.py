"""Password reset and username recovery, as the portal's help pages promise them.

Reset: username + security-question answer -> a single-use link by mail (valid ``reset_minutes``, default 30;
stored hashed) -> new password, plus a TOTP or recovery code when two-factor is on (a reset never bypasses it,
ASVS 5.0 6.4.3). Completing it lifts a lockout and ends every session. A link dies when used, when it expires,
and when the password changes by any other path after it was issued.

Username recovery: email + birth date -> the username(s) by mail to that address.

Both requests answer ``RequestAccepted`` whatever happens inside, and in a time that does not depend on it
(ASVS 5.0 6.3.8): after the input check and the rate limits (per client address and per username or email)
the answer goes out, and the work that differs (looking the account up, verifying the answer, reading the
EHR, sending mail) runs afterwards, in a background task (``auth.background``). ``uniform_response_seconds``
remains a floor under every answer.

A reset link's second-factor codes are counted before they are checked, on the link (``code_attempts``, then
it is burnt) and per account across links (``auth.lockout``, kind ``codes``): past ``code_attempts`` wrong
codes, the account's reset codes are refused for ``lockout_minutes`` (``RateLimited``), however many links
are requested. The security question is kept because the portal promises it;
NIST 800-63B and ASVS 5.0 6.4.2 discourage knowledge-based answers, so it is only a speed bump in front of the
mailed link, never an authenticator on its own (docs/auth.md).
"""

from __future__ import annotations

import math
from datetime import date, datetime

from fhir_client import FhirError

from . import mail_templates
from .accounts import Account, AccountStatus
from .clock import epoch
from .credentials import Credentials
from .deps import Deps
from .directory import PatientDirectory
from .inputs import birth_date, canonical_email, canonical_username, fold, secret
from .lockout import LockState
from .results import (
    InvalidCode,
    InvalidToken,
    PasswordChanged,
    PasswordRejected,
    RateLimited,
    RequestAccepted,
    RequestResult,
    ResetResult,
)
from .two_factor import TwoFactor


class Reset:
    """The reset and recovery flows."""

    def __init__(self, deps: Deps, two_factor: TwoFactor, credentials: Credentials) -> None:
        self._d = deps
        self._two_factor = two_factor
        self._credentials = credentials

    async def request_reset(self, username: object, answer: object, *, ip: str | None) -> RequestResult:
        """Mail a reset link if the answer to the account's security question is right.

        Raises:
            InvalidInput: A malformed argument.
        """
        name = canonical_username(username)
        typed = secret(answer, "security_answer")
        rules = self._d.rules
        if limited := await self._d.limited((rules.reset_ip, ip), (rules.reset_account, name), ip=ip):
            return limited
        async with self._d.uniform_time():
            self._d.background.spawn(self._link_if_right(name, typed, ip), name="reset")
        return RequestAccepted()

    async def _link_if_right(self, name: str, answer: str, ip: str | None) -> None:
        # After the answer: nothing here can show in its content or its timing.
        found = await self._d.accounts.by_username(name)
        account = found if found is not None and found.status == AccountStatus.ACTIVE else None
        stored = account.security_answer_hash if account is not None else None
        if account is not None and (await self._d.passwords.verify(stored, fold(answer))).ok:
            await self._send_link(account)
            self._d.events.emit("password.reset_requested", account_id=account.id, ip=ip)
            return
        if account is None:
            await self._d.passwords.waste(answer)  # the same work either way keeps the load alike
        self._d.events.emit("password.reset_refused", account_id=found.id if found else None, ip=ip)

    async def complete_reset(
        self,
        token: object,
        new_password: object,
        code: object = None,
        *,
        ip: str | None,
        directory: PatientDirectory,
    ) -> ResetResult:
        """Set a new password with a reset link's token (and a second factor when enrolled).

        Nothing changes unless everything is right: the policy and the code are checked before the link is
        used up, so a rejected password or a mistyped code can be corrected with the same link.

        Raises:
            InvalidInput: A malformed argument.
        """
        typed = secret(new_password, "new_password")
        typed_code = None if code is None else secret(code, "code")
        if limited := await self._d.limited((self._d.rules.reset_ip, ip), ip=ip):
            return limited
        ticket = await self._d.resets.peek(token)
        account = None if ticket is None else await self._d.accounts.get(str(ticket.payload["account_id"]))
        if ticket is None or account is None or account.status != AccountStatus.ACTIVE:
            return InvalidToken()
        if ticket.payload.get("changed") != _changed(account):
            return InvalidToken()  # the password changed after this link was sent
        problems = await self._credentials.problems(account, typed, directory)
        if problems:
            return PasswordRejected(problems)
        if account.totp_enabled:
            refused = await self._second_factor(token, account, typed_code, ip)
            if refused is not None:
                return refused
        elif await self._d.resets.consume(token) is None:
            return InvalidToken()
        await self._credentials.store(account, typed)
        self._d.events.emit("password.reset", account_id=account.id, ip=ip)
        return PasswordChanged()

    async def _second_factor(
        self, token: object, account: Account, code: str | None, ip: str | None
    ) -> InvalidCode | InvalidToken | RateLimited | None:
        """Count, then check the reset's second factor, and use the link up when it is right (``None``)."""
        resets, codes, limit = self._d.resets, self._d.codes, self._d.settings.code_attempts
        attempts = await resets.count_attempt(token)
        if attempts < 0:
            return InvalidToken()
        if attempts > limit:
            await resets.discard(token)
            return InvalidCode(attempts_left=0)
        reservation = await codes.reserve(f"reset:{account.id}")
        if isinstance(reservation, LockState):
            self._d.events.emit("password.reset_refused", account_id=account.id, ip=ip, reason="codes_locked")
            return _retry_later(reservation, self._d.clock.now())
        if code is None or not await self._two_factor.verify(account, code):
            state = await codes.fail(reservation)
            left = max(0, limit - attempts)
            if left == 0 or state.locked:
                await resets.discard(token)
            self._d.events.emit("password.reset_failure", account_id=account.id, ip=ip, reason="bad_code")
            return (
                _retry_later(state, self._d.clock.now()) if state.locked else InvalidCode(attempts_left=left)
            )
        if await resets.consume(token) is None:
            await codes.commit(reservation, clear=False)
            return InvalidToken()
        await codes.commit(reservation, clear=True)
        return None

    async def recover_username(
        self, email: object, born: object, *, ip: str | None, directory: PatientDirectory
    ) -> RequestResult:
        """Mail the username(s) of the active accounts with this email whose Patient has this birth date.

        Raises:
            InvalidInput: A malformed argument.
        """
        address = canonical_email(email)
        day = birth_date(born)
        rules = self._d.rules
        if limited := await self._d.limited((rules.recovery_ip, ip), (rules.recovery_email, address), ip=ip):
            return limited
        async with self._d.uniform_time():
            job = self._remind_if_matched(address, day, ip, directory)
            self._d.background.spawn(job, name="recovery")
        return RequestAccepted()

    async def _remind_if_matched(
        self, address: str, day: date, ip: str | None, directory: PatientDirectory
    ) -> None:
        # After the answer: EHR reads and the mail take their time here, not in the response.
        matched: list[Account] = []
        try:
            for account in await self._d.accounts.by_email(address):
                identity = await directory.patient_identity(account.patient_id)
                if account.status == AccountStatus.ACTIVE and identity and identity.birth_date == day:
                    matched.append(account)
        except FhirError:
            self._d.events.emit("username.recovery_failed", ip=ip, reason="upstream")
        if matched:
            usernames = [account.username for account in matched]
            practice = self._d.settings.practice_name
            reminder = mail_templates.username_reminder(address, practice=practice, usernames=usernames)
            await self._d.mail_quietly(reminder, account_id=matched[0].id)
        self._d.events.emit("username.recovery_requested", ip=ip, matched=len(matched))

    async def _send_link(self, account: Account) -> None:
        ticket = await self._d.resets.issue({"account_id": account.id, "changed": _changed(account)})
        link = self._d.settings.reset_url_template.replace("{token}", ticket.token)
        message = mail_templates.reset_link(
            account.email, practice=self._d.settings.practice_name, link=link, expires_at=ticket.expires_at
        )
        await self._d.mail_quietly(message, account_id=account.id)


def _retry_later(state: LockState, now: datetime) -> RateLimited:
    until = state.locked_until or now
    return RateLimited(retry_after=max(1, math.ceil((until - now).total_seconds())))


def _changed(account: Account) -> float | None:
    return None if account.password_changed_at is None else epoch(account.password_changed_at)
