"""Fixtures for the access tests: a gateway whose upstream calls go through a recording proxy, the test's
own family in HAPI, and accounts and sessions for its members."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from access import TeenPolicy
from fhir_client import FhirClient
from resolvers.context import RequestContext
from resolvers.idempotency import IdempotencyStore
from resolvers.viewer import SessionState
from tests.integration.gateway.family import ACCOUNT_KEYS, Family, create_family
from tests.integration.gateway.portal import Portal
from tests.support.recorder import Recorder, recording_proxy


def new_key() -> str:
    """A fresh idempotency key, as a client makes one per new request."""
    return f"k-{uuid.uuid4().hex}"


@dataclass
class AccessPortal:
    """The gateway, its recorder, and the family's accounts (``account_ids[key]``)."""

    portal: Portal
    recorder: Recorder
    family: Family
    account_ids: dict[str, str]

    async def token(self, key: str) -> str:
        """A fresh full session for the family member ``key``."""
        issued = await self.portal.auth.sessions.create(self.account_ids[key])
        return issued.token

    async def gql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        return await self.portal.gql(query, variables, token=token)


@pytest.fixture
def family(fhir_base_url: str, practice: dict[str, int]) -> Family:
    # After the practice: the family's message thread names one of its practitioners.
    return create_family(fhir_base_url, datetime.now(UTC).date())


StartAccess = Callable[..., AbstractAsyncContextManager[AccessPortal]]


@pytest.fixture
def start_access(fhir_base_url: str, start_portal: Any, family: Family) -> StartAccess:
    """A gateway behind the recording proxy, with accounts for the family (settings as keywords)."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[AccessPortal]:
        async with (
            recording_proxy(fhir_base_url) as recorder,
            start_portal(fhir_base=recorder.base_url, **overrides) as portal,
        ):
            ids = {}
            for key in ACCOUNT_KEYS:
                account = await portal.account(
                    key,
                    patient_id=family.patient(key),
                    person_id=family.person(key),
                    email=f"{family.run}-{key}@example.test",
                )
                ids[key] = account.id
            yield AccessPortal(portal, recorder, family, ids)

    return start


@pytest.fixture
async def access(start_access: StartAccess) -> AsyncIterator[AccessPortal]:
    async with start_access() as started:
        yield started


MakeContext = Callable[..., Awaitable[RequestContext]]


@pytest.fixture
async def context_for(access: AccessPortal, fhir_base_url: str) -> AsyncIterator[MakeContext]:
    """Request contexts of family members over a FHIR client straight to HAPI (for tests of the guard)."""
    async with httpx.AsyncClient(timeout=20) as http:

        async def make(key: str, teen: TeenPolicy | None = None) -> RequestContext:
            token = await access.token(key)
            lookup = await access.portal.auth.sessions.resolve(token)
            return RequestContext(
                request_id="guard-test",
                _fhir=FhirClient(http, fhir_base_url),
                development=False,
                auth=access.portal.auth,
                access=dataclasses.replace(access.portal.access, teen=teen or TeenPolicy()),
                idempotency=IdempotencyStore(access.portal.redis, access.portal.settings.auth_key_prefix),
                session=SessionState(lookup=lookup, token=token),
                cursor_key=b"c" * 32,
            )

        yield make
