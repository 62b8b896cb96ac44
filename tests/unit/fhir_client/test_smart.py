"""SMART Backend Services against a token endpoint built from authlib's own server components.

The authorization server is authlib's ``AuthorizationServer`` with the ``client_credentials`` grant and
RFC 7523 ``private_key_jwt`` client authentication, mounted in a tiny Starlette app that the client reaches
through ``httpx.ASGITransport`` (in process; nothing listens on a port). authlib verifies our assertion for
real: the signature against the registered public key, ``iss``/``sub``/``aud``/``exp`` and the ``jti`` replay
check.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

import httpx
import pytest
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, InvalidClientError, OAuth2Request, grants
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fhir_client import ClientOptions, FhirAuthError, FhirClient, RetryPolicy, SmartBackendAuth

TOKEN_URL = "https://auth.test/token"
FHIR_BASE = "https://fhir.test/fhir"
CLIENT_ID = "portal-gateway"


class Client(ClientMixin):
    def __init__(self, public_key: RSAKey) -> None:
        self.public_key = public_key

    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "private_key_jwt" and endpoint == "token"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class PrivateKeyJWT(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self) -> None:
        # The client's clock is a fake that the tests move forward by minutes; allow that much skew.
        super().__init__(leeway=600)
        self.seen_jti: set[str] = set()

    def get_audiences(self) -> list[str]:
        return [TOKEN_URL]

    def validate_jti(self, claims, jti) -> bool:
        if jti in self.seen_jti:
            return False
        self.seen_jti.add(jti)
        return True

    def resolve_client_public_key(self, client: Client) -> RSAKey:
        return client.public_key

    def process_assertion_claims(self, assertion, resolve_key):
        # SMART Backend Services signs with RS384/ES384, which joserfc does not allow unless asked to.
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=["RS384", "ES384"])
        except JoseError as exc:
            raise InvalidClientError(description=exc.description) from exc
        self.verify_claims(token.claims)
        return token.claims


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt"]


class StarletteRequest(OAuth2Request):
    def __init__(self, request: Request, form: dict[str, str]) -> None:
        super().__init__(request.method, str(request.url), headers=dict(request.headers))
        self.payload = BasicOAuth2Payload(form)
        self._form = form

    @property
    def form(self) -> dict[str, str]:
        return self._form


class TokenServer(AuthorizationServer):
    """authlib's server, with the four framework hooks written for Starlette."""

    def __init__(self, client: Client, expires_in: int) -> None:
        super().__init__(scopes_supported=["system/*.read", "system/Patient.read"])
        self.client = client
        self.issued: list[str] = []
        self.register_grant(ClientCredentials)
        self.register_client_auth_method("private_key_jwt", PrivateKeyJWT())
        generator = BearerTokenGenerator(
            lambda **kwargs: f"token-{len(self.issued) + 1}",
            expires_generator=lambda client, grant: expires_in,
        )
        self.register_token_generator("default", generator)

    def query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == CLIENT_ID else None

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        self.issued.append(token["access_token"])

    def create_oauth2_request(self, request: StarletteRequest) -> StarletteRequest:
        return request

    def handle_response(self, status: int, body: dict, headers: list) -> Response:
        return JSONResponse(body, status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        pass

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            form = dict(parse_qsl((await request.body()).decode()))  # no python-multipart needed
            return self.create_token_response(StarletteRequest(request, form))

        return Starlette(routes=[Route("/token", token, methods=["POST"])])


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def key() -> RSAKey:
    return RSAKey.generate_key(2048)


class Setup:
    def __init__(self, key: RSAKey, *, expires_in: int = 300, registered_key: RSAKey | None = None) -> None:
        public = RSAKey.import_key((registered_key or key).as_dict(private=False))
        self.server = TokenServer(Client(public), expires_in)
        self.fhir_auth: list[str | None] = []
        self.reject_token: str | None = None
        self.clock = Clock()
        self.auth = SmartBackendAuth(
            token_url=TOKEN_URL,
            client_id=CLIENT_ID,
            private_key=key.as_pem(private=True).decode(),
            key_id="k1",
            scope="system/*.read",
            clock=self.clock,
        )
        self.http = httpx.AsyncClient(
            mounts={
                "https://auth.test": httpx.ASGITransport(app=self.server.app()),
                "https://fhir.test": httpx.MockTransport(self.fhir),
            }
        )
        options = ClientOptions(retry=RetryPolicy(attempts=1))
        self.client = FhirClient(self.http, FHIR_BASE, auth=self.auth, options=options)

    def fhir(self, request: httpx.Request) -> httpx.Response:
        header = request.headers.get("authorization")
        self.fhir_auth.append(header)
        if header is None or header == f"Bearer {self.reject_token}":
            return httpx.Response(401)
        body = b'{"resourceType": "Patient", "id": "p1"}'
        return httpx.Response(200, content=body, headers={"content-type": "application/fhir+json"})


@pytest.fixture
async def smart(key: RSAKey):
    setup = Setup(key)
    yield setup
    await setup.http.aclose()


async def test_token_is_fetched_once_and_cached(smart: Setup) -> None:
    for _ in range(3):
        await smart.client.read("Patient", "p1")
    assert smart.server.issued == ["token-1"]
    assert smart.fhir_auth == ["Bearer token-1"] * 3


async def test_token_is_refreshed_shortly_before_expiry(smart: Setup) -> None:
    await smart.client.read("Patient", "p1")
    smart.clock.now += 300 - 61  # still outside the 60 s refresh margin
    await smart.client.read("Patient", "p1")
    smart.clock.now += 2
    await smart.client.read("Patient", "p1")
    assert smart.server.issued == ["token-1", "token-2"]
    assert smart.fhir_auth[-1] == "Bearer token-2"


async def test_a_401_drops_the_token_and_retries_once(smart: Setup) -> None:
    await smart.client.read("Patient", "p1")
    smart.reject_token = "token-1"  # revoked early by the EHR
    await smart.client.read("Patient", "p1")
    assert smart.server.issued == ["token-1", "token-2"]
    assert smart.fhir_auth[-2:] == ["Bearer token-1", "Bearer token-2"]


async def test_assertion_claims(smart: Setup, key: RSAKey) -> None:
    token = jwt.decode(smart.auth.assertion(), key, algorithms=["RS384"])
    claims = token.claims
    assert token.header["alg"] == "RS384" and token.header["kid"] == "k1"
    assert claims["iss"] == claims["sub"] == CLIENT_ID and claims["aud"] == TOKEN_URL
    assert claims["exp"] - claims["iat"] <= 300
    assert claims["jti"] != jwt.decode(smart.auth.assertion(), key, algorithms=["RS384"]).claims["jti"]


async def test_unknown_key_is_refused_as_fhir_auth_error(key: RSAKey) -> None:
    setup = Setup(key, registered_key=RSAKey.generate_key(2048))
    try:
        with pytest.raises(FhirAuthError) as caught:
            await setup.client.read("Patient", "p1")
        assert caught.value.status_code in (400, 401)
        assert setup.fhir_auth == []  # the FHIR request was never sent
    finally:
        await setup.http.aclose()


def test_only_smart_algorithms() -> None:
    with pytest.raises(ValueError):
        SmartBackendAuth(token_url=TOKEN_URL, client_id=CLIENT_ID, private_key="x", algorithm="HS256")
