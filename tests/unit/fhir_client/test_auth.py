"""Upstream auth chosen by settings: the header each kind sends, and secrets kept out of reprs."""

from __future__ import annotations

import httpx
import pytest
from joserfc.jwk import RSAKey

from fhir_client import (
    AuthSettings,
    BasicAuth,
    BearerAuth,
    NoAuth,
    SmartBackendAuth,
    auth_from_settings,
)


@pytest.mark.parametrize(
    ("settings", "header"),
    [
        (AuthSettings(), None),
        (AuthSettings(kind="basic", username="gw", password="s3cret"), "Basic Z3c6czNjcmV0"),
        (AuthSettings(kind="bearer", token="tok-s3cret"), "Bearer tok-s3cret"),
    ],
)
async def test_header_per_kind(fake, settings: AuthSettings, header: str | None) -> None:
    client = fake.client(lambda request: fake.json(fake.patient()), auth=auth_from_settings(settings))
    await client.read("Patient", "p1")
    assert fake.requests[0].headers.get("authorization") == header


def test_secrets_never_in_repr() -> None:
    settings = AuthSettings(kind="basic", username="gw", password="s3cret", token="tok-s3cret")
    for text in (repr(settings), repr(BasicAuth("gw", "s3cret")), repr(BearerAuth("tok-s3cret"))):
        assert "s3cret" not in text


def test_kinds_and_missing_settings() -> None:
    assert isinstance(auth_from_settings(AuthSettings(kind="none")), NoAuth)
    pem = RSAKey.generate_key(2048).as_pem(private=True).decode()
    smart = AuthSettings(
        kind="smart", token_url="https://auth.test/token", client_id="gw", private_key_pem=pem
    )
    assert isinstance(auth_from_settings(smart), SmartBackendAuth)
    for broken in (
        AuthSettings(kind="basic", username="gw"),
        AuthSettings(kind="bearer"),
        AuthSettings(kind="smart", token_url="https://auth.test/token"),
    ):
        with pytest.raises(ValueError):
            auth_from_settings(broken)


async def test_fixed_credentials_are_not_retried_on_401(fake) -> None:
    client = fake.client(lambda request: httpx.Response(401), auth=BearerAuth("t"))
    with pytest.raises(Exception, match="status 401"):
        await client.read("Patient", "p1")
    assert len(fake.requests) == 1
