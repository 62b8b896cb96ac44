"""What practice staff may do to an account (behind the admin credential; the gateway guards the door).

Unlocking lifts a lockout at once (docs/auth.md: "until a password reset or staff unlock"). Disabling
ends every session (ASVS 5.0 7.4.2) and refuses sign-in until staff enable the account again. Resetting
two-step verification is the way back for a patient who lost their authenticator, or whose session was used
to enroll someone else's: a password reset demands the second factor, so without it they would be locked out
for good.
"""

from __future__ import annotations

from . import mail_templates
from .accounts import Account, AccountStatus, modify
from .deps import Deps, signin_subject
from .errors import AccountNotFound
from .session_model import EndReason


class Staff:
    """Staff actions on accounts, by account id."""

    def __init__(self, deps: Deps) -> None:
        self._d = deps

    async def unlock(self, account_id: str) -> bool:
        """Lift a lockout. Returns whether one was in force.

        Raises:
            AccountNotFound: No such account.
        """
        account = await self._d.accounts.get(account_id)
        if account is None:
            raise AccountNotFound("no such account")
        was_locked = await self._d.lockout.clear(signin_subject(account))
        self._d.events.emit("account.unlocked", account_id=account_id, by="staff", was_locked=was_locked)
        return was_locked

    async def disable(self, account_id: str) -> Account:
        """Disable an account and end its sessions.

        Raises:
            AccountNotFound: No such account.
        """
        account = await self._set_status(account_id, AccountStatus.DISABLED)
        await self._d.sessions.revoke_all(account_id, reason=EndReason.REVOKED)
        self._d.events.emit("account.disabled", account_id=account_id)
        return account

    async def enable(self, account_id: str) -> Account:
        """Enable a disabled account (``ACTIVE`` again; an unfinished enrollment goes back to ``INVITED``).

        Raises:
            AccountNotFound: No such account.
        """
        target = AccountStatus.ACTIVE
        account = await self._d.accounts.get(account_id)
        if account is not None and account.temporary_expires_at is not None:  # enrollment never finished
            target = AccountStatus.INVITED
        enabled = await self._set_status(account_id, target)
        self._d.events.emit("account.enabled", account_id=account_id)
        return enabled

    async def reset_two_factor(self, account_id: str, *, by: str = "staff") -> bool:
        """Turn two-step verification off (secret and recovery codes forgotten) and end every session.

        Recorded as the security event ``totp.reset``; the owner is told by mail. The next sign-in works with
        the password alone (or, when the practice requires two-step verification, leads to setting it up).

        Args:
            account_id: The account.
            by: Who did it, for the security event.

        Returns:
            Whether two-step verification was on.

        Raises:
            AccountNotFound: No such account.
        """
        was_on = False

        def off(current: Account) -> Account:
            nonlocal was_on
            was_on = current.totp_enabled
            return current.evolve(
                totp_enabled=False, totp_secret=None, recovery_code_hashes=(), totp_last_counter=-1
            )

        saved = await modify(self._d.accounts, account_id, off)
        if saved is None:
            raise AccountNotFound("no such account")
        ended = await self._d.sessions.revoke_all(account_id, reason=EndReason.REVOKED)
        self._d.events.emit("totp.reset", account_id=account_id, by=by, was_on=was_on, sessions_ended=ended)
        practice, now = self._d.settings.practice_name, self._d.clock.now()
        notice = mail_templates.two_factor_changed(saved.email, practice=practice, enabled=False, when=now)
        await self._d.mail_quietly(notice, account_id=account_id)
        return was_on

    async def _set_status(self, account_id: str, status: AccountStatus) -> Account:
        saved = await modify(self._d.accounts, account_id, lambda current: current.evolve(status=status))
        if saved is None:
            raise AccountNotFound("no such account")
        return saved
