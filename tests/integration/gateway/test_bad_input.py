"""Bad input of every kind gets BAD_USER_INPUT and changes nothing in Redis (not even a rate counter)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.gateway.portal import PASSWORD, SIGN_IN, Portal

HUGE = "x" * 5000
NUL = "bad\u0000value"
LONE_SURROGATE = "abc\ud800def"  # what a non-UTF-8 byte becomes after a lenient decode

PUBLIC: list[tuple[str, dict[str, Any]]] = [
    (SIGN_IN, {"username": "", "password": PASSWORD}),
    (SIGN_IN, {"username": "user.ana", "password": ""}),
    (SIGN_IN, {"username": HUGE, "password": PASSWORD}),
    (SIGN_IN, {"username": "user.ana", "password": HUGE}),
    (SIGN_IN, {"username": NUL, "password": PASSWORD}),
    (SIGN_IN, {"username": "user.ana", "password": LONE_SURROGATE}),
    (SIGN_IN, {"username": 42, "password": PASSWORD}),
    (SIGN_IN, {"username": ["user.ana"], "password": PASSWORD}),
    (SIGN_IN, {"username": None, "password": PASSWORD}),
    (SIGN_IN, {"username": {"$ne": ""}, "password": PASSWORD}),
    (SIGN_IN, {"username": "user.ana", "password": PASSWORD, "practiceCode": HUGE}),
    (SIGN_IN, {"username": "user.ana", "password": PASSWORD, "bearer": "yes"}),
    (
        "mutation($u: String!, $a: String!) { requestPasswordReset(username: $u, securityAnswer: $a) "
        "{ __typename } }",
        {"u": "user.ana", "a": ""},
    ),
    (
        "mutation($e: String!, $b: String!) { recoverUsername(email: $e, birthDate: $b) { __typename } }",
        {"e": "not-an-email", "b": "1990-01-01"},
    ),
    (
        "mutation($e: String!, $b: String!) { recoverUsername(email: $e, birthDate: $b) { __typename } }",
        {"e": "ana@example.test", "b": "1990-13-45"},
    ),
    (
        "mutation($t: String!) { verifyIdentity(enrollmentToken: $t) { __typename } }",
        {"t": "A" * 43},
    ),
    (
        "mutation($t: String!, $b: String) { verifyIdentity(enrollmentToken: $t, birthDate: $b) "
        "{ __typename } }",
        {"t": "A" * 43, "b": "yesterday"},
    ),
    (
        "mutation($t: String!, $q: String!) { completeEnrollment(enrollmentToken: $t, "
        'newPassword: "quiet-meadow-orchard-77", securityQuestion: $q, securityAnswer: "Biscuit", '
        "acceptConsent: true) { __typename } }",
        {"t": "A" * 43, "q": HUGE},
    ),
    (
        "mutation($t: String!, $p: String!) { completePasswordReset(token: $t, newPassword: $p) "
        "{ __typename } }",
        {"t": "A" * 43, "p": ""},
    ),
    (
        "mutation($t: String!, $c: String!) { completeTwoFactor(challengeToken: $t, code: $c) "
        "{ __typename } }",
        {"t": "A" * 43, "c": NUL},
    ),
    ("mutation { signIn(username: 1, password: 2) { __typename } }", {}),
    ("mutation { notAMutation }", {}),
]

SIGNED_IN: list[tuple[str, dict[str, Any]]] = [
    (
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) "
        "{ __typename } }",
        {"c": PASSWORD, "n": ""},
    ),
    (
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) "
        "{ __typename } }",
        {"c": HUGE, "n": "quiet-meadow-orchard-77"},
    ),
    ("mutation($c: String!) { confirmTotp(code: $c) { __typename } }", {"c": NUL}),
    ("mutation($p: String!) { disableTotp(password: $p) { __typename } }", {"p": ""}),
    ('query { patient(id: "../Patient/x") { id } }', {}),
]


@pytest.mark.parametrize(("query", "variables"), PUBLIC)
async def test_public_mutations(portal: Portal, query: str, variables: dict[str, Any]) -> None:
    await portal.account("ana")
    before = await portal.keys()
    reply = await portal.gql(query, variables)
    assert set(reply.codes) == {"BAD_USER_INPUT"}, reply.body
    assert reply.body["data"] is None
    assert await portal.keys() == before


async def test_signed_in_mutations(portal: Portal) -> None:
    await portal.account("ana")
    token = await portal.signed_in("user.ana")
    before = await portal.keys()
    for query, variables in SIGNED_IN:
        # Background requests, so that not even the session's last-seen time moves.
        reply = await portal.gql(query, variables, token=token, background=True)
        assert reply.codes == ["BAD_USER_INPUT"], (query, reply.body)
    assert await portal.keys() == before


async def test_non_utf8_body_is_refused(portal: Portal) -> None:
    before = await portal.keys()
    response = await portal.client.post(
        "/graphql",
        content=b'{"query": "mutation { signIn(username: \\"\xff\xfe\\", password: \\"x\\") { __typename } }"'
        b"}",
        headers={"content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await portal.keys() == before
