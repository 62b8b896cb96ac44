"""Enrollment through GraphQL over HTTP against the real HAPI server and a real SMTP server: the office
invites a Patient, the patient signs in with the practice code and temporary credentials, confirms their
identity, chooses a password, a security question and accepts the consent form (a FHIR Consent), and signs in.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.portal import ADMIN_KEY, VIEWER, Portal

INVITE = """
mutation Invite($patientId: ID!) { inviteEnrollment(patientId: $patientId) { accountId username expiresAt } }
"""
VERIFY = """
mutation Verify($token: String!, $birthDate: String, $phone: String) {
  verifyIdentity(enrollmentToken: $token, birthDate: $birthDate, phone: $phone) {
    __typename ... on Problem { code } ... on IdentityNotVerified { attemptsLeft }
  }
}
"""
COMPLETE = """
mutation Complete($token: String!, $password: String!, $consent: Boolean!, $username: String) {
  completeEnrollment(enrollmentToken: $token, newPassword: $password, securityQuestion: "First pet?",
                     securityAnswer: "Biscuit", acceptConsent: $consent, username: $username) {
    __typename ... on Problem { code } ... on EnrollmentCompleted { username }
    ... on PasswordRejected { problems }
  }
}
"""
NEW_PASSWORD = "quiet-meadow-orchard-77"


async def _patient(fhir_base_url: str, patient_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=15) as fhir:
        resource: dict[str, Any] = (await fhir.get(f"{fhir_base_url}/Patient/{patient_id}")).json()
    return resource


def _email(patient: dict[str, Any]) -> str:
    return next(t["value"] for t in patient["telecom"] if t["system"] == "email")


async def _invite_and_first_sign_in(
    portal: Portal, smtp: SmtpSink, patient: dict[str, Any]
) -> tuple[str, str]:
    """Invite as staff; sign in with the mailed credentials. Returns the account id and enrollment token."""
    invited = (await portal.gql(INVITE, {"patientId": patient["id"]}, admin_key=ADMIN_KEY)).data(
        "inviteEnrollment"
    )
    body = smtp.last_body(_email(patient))
    username = re.search(r"Temporary username: (\S+)", body)
    password = re.search(r"Temporary password: (\S+)", body)
    code = re.search(r"Practice code: (\S+)", body)
    assert username and password and code
    assert username.group(1) == invited["username"]
    assert code.group(1) == portal.settings.practice_code
    without_code = await portal.sign_in(username.group(1), password.group(1))
    assert without_code.data("signIn")["__typename"] == "InvalidCredentials", "the code is required"
    first = await portal.sign_in(username.group(1), password.group(1), practiceCode=code.group(1).lower())
    result = first.data("signIn")
    assert result["__typename"] == "PasswordChangeRequired"
    return invited["accountId"], result["enrollmentToken"]


async def test_invite_needs_the_admin_key(portal: Portal) -> None:
    variables = {"patientId": "pat-walter-schmidt"}
    for key in (None, "wrong-key", ADMIN_KEY + "x"):
        reply = await portal.gql(INVITE, variables, admin_key=key)
        assert reply.codes == ["FORBIDDEN"]
    assert await portal.keys() == {}, "nothing was created"


async def test_enrollment_by_birth_date_records_a_consent_and_activates(
    portal: Portal, smtp: SmtpSink, fhir_base_url: str
) -> None:
    patient = await _patient(fhir_base_url, "pat-walter-schmidt")
    account_id, token = await _invite_and_first_sign_in(portal, smtp, patient)

    wrong = await portal.gql(VERIFY, {"token": token, "birthDate": "1901-01-01"})
    assert wrong.data("verifyIdentity") == {
        "__typename": "IdentityNotVerified",
        "code": "IDENTITY_NOT_VERIFIED",
        "attemptsLeft": 4,
    }
    early = await portal.gql(COMPLETE, {"token": token, "password": NEW_PASSWORD, "consent": True})
    assert early.data("completeEnrollment")["__typename"] == "IdentityNotVerified"
    verified = await portal.gql(VERIFY, {"token": token, "birthDate": patient["birthDate"]})
    assert verified.data("verifyIdentity") == {"__typename": "IdentityVerified"}

    refused = await portal.gql(COMPLETE, {"token": token, "password": NEW_PASSWORD, "consent": False})
    assert refused.data("completeEnrollment") == {"__typename": "ConsentRequired", "code": "CONSENT_REQUIRED"}
    weak = await portal.gql(COMPLETE, {"token": token, "password": "password1234", "consent": True})
    assert weak.data("completeEnrollment")["problems"] == ["COMMON"]
    done = await portal.gql(
        COMPLETE, {"token": token, "password": NEW_PASSWORD, "consent": True, "username": "Walter.S"}
    )
    assert done.data("completeEnrollment") == {"__typename": "EnrollmentCompleted", "username": "walter.s"}
    again = await portal.gql(COMPLETE, {"token": token, "password": NEW_PASSWORD, "consent": True})
    assert again.data("completeEnrollment")["__typename"] == "InvalidToken", "the token is used up"

    async with httpx.AsyncClient(timeout=15) as fhir:
        bundle = (await fhir.get(f"{fhir_base_url}/Consent", params={"patient": patient["id"]})).json()
    consents = [e["resource"] for e in bundle.get("entry", [])]
    ours = [c for c in consents if any(i["value"].startswith(account_id + ".") for i in c["identifier"])]
    assert len(ours) == 1
    assert ours[0]["status"] == "active"
    assert ours[0]["policy"] == [{"uri": "urn:portal-gateway:practice-consent-form:v1"}]

    token_cookie = await portal.signed_in("WALTER.S", NEW_PASSWORD)
    viewer = (await portal.gql(VIEWER, token=token_cookie)).data("viewer")
    assert viewer["account"]["patientId"] == patient["id"]
    assert viewer["account"]["id"] == account_id


async def test_enrollment_by_phone(portal: Portal, smtp: SmtpSink, fhir_base_url: str) -> None:
    patient = await _patient(fhir_base_url, "pat-hannah-kim")
    _, token = await _invite_and_first_sign_in(portal, smtp, patient)
    phone = next(t["value"] for t in patient["telecom"] if t["system"] == "phone")
    assert (await portal.gql(VERIFY, {"token": token, "phone": "(937) 555-0000"})).data("verifyIdentity")[
        "__typename"
    ] == "IdentityNotVerified"
    assert (await portal.gql(VERIFY, {"token": token, "phone": phone})).data("verifyIdentity") == {
        "__typename": "IdentityVerified"
    }
    done = await portal.gql(COMPLETE, {"token": token, "password": NEW_PASSWORD, "consent": True})
    username = done.data("completeEnrollment")["username"]
    assert (await portal.sign_in(username, NEW_PASSWORD)).data("signIn")["__typename"] == "SignedIn"


async def test_reinviting_an_enrolled_patient_is_a_conflict(portal: Portal) -> None:
    await portal.account("walter", patient_id="pat-walter-schmidt")
    reply = await portal.gql(INVITE, {"patientId": "pat-walter-schmidt"}, admin_key=ADMIN_KEY)
    assert reply.codes == ["CONFLICT"]


async def test_inviting_an_unknown_patient_is_bad_user_input(portal: Portal) -> None:
    for patient_id in ("pat-nobody-here", "../Patient", ""):
        reply = await portal.gql(INVITE, {"patientId": patient_id}, admin_key=ADMIN_KEY)
        assert reply.codes == ["BAD_USER_INPUT"], patient_id
