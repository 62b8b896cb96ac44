"""Setting a password: the policy check against the user's own data, and what every password change does.

Used by enrollment (first password), reset (forgotten password) and ``change_password`` (signed in). Whatever
the path, a new password is checked against the policy with the Patient's names and birth date from the EHR,
hashed with argon2id, stored with ``password_changed_at`` (which kills older reset links), the lockout is
lifted, every session but the caller's is ended (ASVS 5.0 7.4.3) and the owner is told by mail (ASVS 5.0
6.3.6).
"""

from __future__ import annotations

from datetime import datetime

from . import mail_templates
from .accounts import Account, AccountStatus, modify
from .deps import Deps, signin_subject
from .directory import PatientDirectory
from .errors import AccountNotFound
from .inputs import secret
from .policy import PasswordProblem, check_password
from .reauth import Reauthentication
from .results import ChangePasswordResult, InvalidToken, PasswordChanged, PasswordRejected
from .session_model import ActiveSession, EndReason, SessionLevel


class Credentials:
    """Password policy and password changes."""

    def __init__(self, deps: Deps, reauth: Reauthentication) -> None:
        self._d = deps
        self._reauth = reauth

    async def problems(
        self, account: Account, password: str, directory: PatientDirectory, *, username: str | None = None
    ) -> tuple[PasswordProblem, ...]:
        """The policy problems of ``password`` for ``account`` (names and birth date from the Patient)."""
        identity = await directory.patient_identity(account.patient_id)
        return tuple(
            check_password(
                password,
                names=identity.names if identity else (),
                username=username or account.username,
                birth_date=identity.birth_date if identity else None,
            )
        )

    async def store(
        self,
        account: Account,
        password: str,
        *,
        keep_token: str | None = None,
        notify: bool = True,
        **changes: object,
    ) -> Account:
        """Hash and store a new (already checked) password and apply its consequences.

        Args:
            account: The account (its latest version is re-read; concurrent changes are merged).
            password: The new password.
            keep_token: A session to keep (the caller's); every other session ends.
            notify: Mail the owner that the password changed (not for the first password at enrollment).
            **changes: More fields to set in the same write (enrollment: status, question, consent...).

        Returns:
            The saved account.

        Raises:
            AccountNotFound: The account disappeared meanwhile.
        """
        new_hash = await self._d.passwords.hash(password)
        now = self._d.clock.now()

        def update(current: Account) -> Account:
            return current.evolve(password_hash=new_hash, password_changed_at=now, **changes)

        saved = await modify(self._d.accounts, account.id, update)
        if saved is None:
            raise AccountNotFound("no such account")
        if await self._d.lockout.clear(signin_subject(saved)):
            self._d.events.emit("account.unlocked", account_id=saved.id, by="password_change")
        await self._d.sessions.revoke_all(saved.id, except_token=keep_token, reason=EndReason.REVOKED)
        if notify:
            await self._notify(saved, now)
        return saved

    async def change_password(
        self, token: str, current: object, new: object, directory: PatientDirectory, *, ip: str | None = None
    ) -> ChangePasswordResult:
        """A signed-in user changes their password (re-entering the current one, ASVS 5.0 7.5.1).

        The current password is a proof with sign-in's rate limit and lock (``auth.reauth``). The caller's
        session gets a new token (privilege change) and every other session ends.

        Raises:
            InvalidInput: ``current`` or ``new`` is not a clean string.
        """
        typed_current, typed_new = secret(current, "current_password"), secret(new, "new_password")
        found = await self._d.sessions.resolve(token)
        if not isinstance(found, ActiveSession) or found.session.level != SessionLevel.FULL:
            return InvalidToken()
        account = await self._d.accounts.get(found.session.account_id)
        if account is None or account.status != AccountStatus.ACTIVE:
            return InvalidToken()
        if problem := await self._reauth.prove(account, typed_current, ip=ip):
            return problem
        problems = await self.problems(account, typed_new, directory)
        if problems:
            return PasswordRejected(problems)
        rotated = await self._d.sessions.rotate(token, reauthenticated=True)
        if rotated is None:
            return InvalidToken()
        await self.store(account, typed_new, keep_token=rotated.token)
        self._d.events.emit("password.changed", account_id=account.id)
        return PasswordChanged(rotated.token, rotated.session.expires_at)

    async def _notify(self, account: Account, when: datetime) -> None:
        await self._d.mailer.send(
            mail_templates.password_changed(account.email, practice=self._d.settings.practice_name, when=when)
        )
