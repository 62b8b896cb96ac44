"""Signed-in account flows: sign-in, second factor, sign-out, session, password change, TOTP.

Each function calls one ``auth`` method and returns its result dataclass (``auth.results``) wrapped in an
``Outcome`` that says which new session token, if any, the client may see in the response body.

Token transport (docs/decisions.md, "Sessions"): a browser gets its token only in the ``HttpOnly`` cookie; a
client that authenticates with ``Authorization: Bearer`` (mobile apps), or asks for a bearer token at sign-in,
gets it in the body and no cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from auth import (
    ActiveSession,
    BeginTotpResult,
    ChangePasswordResult,
    ConfirmTotpResult,
    DisableTotpResult,
    PasswordChanged,
    Reauthenticated,
    ReauthenticateResult,
    Session,
    SignedIn,
    SignInResult,
    TotpDisabled,
    TotpEnabled,
    TwoFactorResult,
    TwoFactorSetupRequired,
    clear_cookie,
    set_cookie,
)

from .context import RequestContext
from .viewer import Viewer, require_viewer

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Outcome(Generic[R]):
    """A flow's result and the session token to show in the body (``None``: it went into the cookie)."""

    result: R
    token: str | None = None


def hand_over(ctx: RequestContext, result: R, *, bearer: bool) -> Outcome[R]:
    """Deliver a newly issued session token: in the body for bearer clients, else as the cookie."""
    token = getattr(result, "token", None)
    if not isinstance(token, str):
        return Outcome(result)
    if bearer:
        return Outcome(result, token)
    ctx.add_header("set-cookie", set_cookie(token, secure=ctx.secure_cookie))
    return Outcome(result)


async def sign_in(
    ctx: RequestContext, username: str, password: str, practice_code: str | None, *, bearer: bool
) -> Outcome[SignInResult]:
    """``signIn``: check the credentials; a full or setup session gets its token delivered."""
    result = await ctx.auth.signin.sign_in(username, password, ip=ctx.client_ip, practice_code=practice_code)
    if isinstance(result, SignedIn | TwoFactorSetupRequired):
        return hand_over(ctx, result, bearer=bearer or ctx.session.bearer)
    return Outcome(result)


async def complete_two_factor(
    ctx: RequestContext, challenge_token: str, code: str, *, bearer: bool
) -> Outcome[TwoFactorResult]:
    """``completeTwoFactor``: the second step of sign-in."""
    result = await ctx.auth.signin.complete_two_factor(challenge_token, code, ip=ctx.client_ip)
    return hand_over(ctx, result, bearer=bearer or ctx.session.bearer)


async def sign_out(ctx: RequestContext) -> int:
    """``signOut``: end this request's session (if any) and clear the cookie. Needs no live session."""
    ended = await ctx.auth.signin.sign_out(ctx.session.token) if ctx.session.token else False
    if not ctx.session.bearer:
        ctx.add_header("set-cookie", clear_cookie(secure=ctx.secure_cookie))
    return 1 if ended else 0


async def sign_out_everywhere(ctx: RequestContext) -> int:
    """``signOutEverywhere``: end every session of the viewer's account, this one included."""
    viewer = await require_viewer(ctx)
    ended = await ctx.auth.signin.sign_out_everywhere(viewer.token)
    if not ctx.session.bearer:
        ctx.add_header("set-cookie", clear_cookie(secure=ctx.secure_cookie))
    return ended


async def extend_session(ctx: RequestContext) -> Session:
    """``extendSession``: restart the idle window (never past the absolute lifetime)."""
    viewer = await require_viewer(ctx, allow_totp_setup=True)
    found = await ctx.auth.sessions.extend(viewer.token)
    if not isinstance(found, ActiveSession):
        return viewer.session  # ended between the lookup and now; the next request will say so
    return found.session


async def change_password(
    ctx: RequestContext, current_password: str, new_password: str
) -> Outcome[ChangePasswordResult]:
    """``changePassword``: re-authenticate, set the new password, rotate the token, end other sessions."""
    viewer = await require_viewer(ctx)
    result = await ctx.auth.credentials.change_password(
        viewer.token, current_password, new_password, ctx.identity_directory(), ip=ctx.client_ip
    )
    if isinstance(result, PasswordChanged):
        return hand_over(ctx, result, bearer=ctx.session.bearer)
    return Outcome(result)


async def reauthenticate(ctx: RequestContext, password: str) -> Outcome[ReauthenticateResult]:
    """``reauthenticate``: prove the password again (for two-step setup); the token rotates."""
    viewer = await require_viewer(ctx, allow_totp_setup=True)
    result = await ctx.auth.reauth.reauthenticate(viewer.token, password, ip=ctx.client_ip)
    if isinstance(result, Reauthenticated):
        return hand_over(ctx, result, bearer=ctx.session.bearer)
    return Outcome(result)


async def begin_totp(ctx: RequestContext) -> BeginTotpResult:
    """``beginTotpEnrollment``: a pending secret and its ``otpauth://`` URI (needs a fresh password proof)."""
    viewer = await require_viewer(ctx, allow_totp_setup=True)
    return await ctx.auth.two_factor.begin(viewer.token)


async def confirm_totp(ctx: RequestContext, code: str) -> Outcome[ConfirmTotpResult]:
    """``confirmTotp``: turn two-factor on with a code; the session becomes full under a new token."""
    viewer = await require_viewer(ctx, allow_totp_setup=True)
    result = await ctx.auth.two_factor.confirm(viewer.token, code)
    if isinstance(result, TotpEnabled):
        return hand_over(ctx, result, bearer=ctx.session.bearer)
    return Outcome(result)


async def disable_totp(ctx: RequestContext, password: str) -> Outcome[DisableTotpResult]:
    """``disableTotp``: turn two-factor off after re-entering the password."""
    viewer = await require_viewer(ctx)
    result = await ctx.auth.two_factor.disable(viewer.token, password, ip=ctx.client_ip)
    if isinstance(result, TotpDisabled):
        return hand_over(ctx, result, bearer=ctx.session.bearer)
    return Outcome(result)


async def current_viewer(ctx: RequestContext) -> Viewer:
    """``viewer``: the signed-in account and session (a ``TOTP_SETUP`` session may read its session only)."""
    return await require_viewer(ctx, allow_totp_setup=True)
