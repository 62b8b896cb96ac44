"""Flows before sign-in: enrollment (invitation, identity check, activation), reset, username recovery."""

from __future__ import annotations

from auth import EnrollmentResult, IdentityResult, Invitation, RequestResult, ResetResult

from .context import RequestContext
from .errors import Forbidden


async def invite(ctx: RequestContext, patient_id: str, email: str | None) -> Invitation:
    """``inviteEnrollment`` (staff): mail temporary credentials to a Patient. Needs the admin key."""
    if not ctx.admin:
        raise Forbidden("Only the practice's staff may invite patients.")
    return await ctx.auth.enrollment.invite(patient_id, directory=ctx.identity_directory(), email=email)


async def verify_identity(
    ctx: RequestContext, enrollment_token: str, birth_date: str | None, phone: str | None
) -> IdentityResult:
    """``verifyIdentity``: the birth date or a phone number on the Patient record."""
    return await ctx.auth.enrollment.verify_identity(
        enrollment_token, directory=ctx.identity_directory(), born=birth_date, phone=phone
    )


async def complete_enrollment(
    ctx: RequestContext,
    enrollment_token: str,
    *,
    new_password: str,
    security_question: str,
    security_answer: str,
    accept_consent: bool,
    username: str | None,
) -> EnrollmentResult:
    """``completeEnrollment``: password, security question, consent (a FHIR Consent); then active."""
    return await ctx.auth.enrollment.complete(
        enrollment_token,
        new_password=new_password,
        security_question=security_question,
        security_answer=security_answer,
        accept_consent=accept_consent,
        directory=ctx.identity_directory(),
        username=username,
    )


async def request_reset(ctx: RequestContext, username: str, security_answer: str) -> RequestResult:
    """``requestPasswordReset``: the same answer whether or not a link was mailed."""
    return await ctx.auth.reset.request_reset(username, security_answer, ip=ctx.client_ip)


async def complete_reset(ctx: RequestContext, token: str, new_password: str, code: str | None) -> ResetResult:
    """``completePasswordReset``: a new password with the mailed link (and the second factor if enrolled)."""
    return await ctx.auth.reset.complete_reset(
        token, new_password, code, ip=ctx.client_ip, directory=ctx.identity_directory()
    )


async def recover_username(ctx: RequestContext, email: str, birth_date: str) -> RequestResult:
    """``recoverUsername``: mail the username(s); the same answer whether or not anything matched."""
    return await ctx.auth.reset.recover_username(
        email, birth_date, ip=ctx.client_ip, directory=ctx.identity_directory()
    )
