"""A request context for executing the schema without servers: FHIR faked at the transport, no Redis."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from redis.asyncio import Redis

from access import AccessScope, ScopeCache, build_access
from auth import (
    Account,
    AccountStatus,
    ActiveSession,
    AuthSettings,
    FileOutboxMailer,
    Session,
    SessionLevel,
    SessionLookup,
    build_auth,
)
from fhir_client import FhirClient
from resolvers.context import RequestContext
from resolvers.idempotency import IdempotencyStore
from resolvers.viewer import SessionState

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class OneAccount:
    """An ``AccountStore`` holding one account, read-only (the schema tests never write)."""

    def __init__(self, account: Account) -> None:
        self.account = account

    async def create(self, account: Account) -> Account:
        raise NotImplementedError

    async def get(self, account_id: str) -> Account | None:
        return self.account if account_id == self.account.id else None

    async def by_username(self, username: str) -> Account | None:
        return self.account if username == self.account.username else None

    async def by_patient(self, patient_id: str) -> Account | None:
        return self.account if patient_id == self.account.patient_id else None

    async def by_email(self, email: str) -> list[Account]:
        return [self.account] if email == self.account.email else []

    async def save(self, account: Account) -> Account:
        raise NotImplementedError

    async def delete(self, account_id: str) -> bool:
        raise NotImplementedError


class UncachedScopes(ScopeCache):
    """A scope cache that never holds anything (unit tests have no Redis)."""

    def __init__(self, inner: ScopeCache) -> None:
        pass

    async def get(self, session_id: str) -> tuple[AccessScope | None, int]:
        return None, 0

    async def put(self, session_id: str, scope: AccessScope, epoch: int) -> None:
        return None

    async def invalidate_all(self) -> None:
        return None


def context(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    development: bool,
    signed_in_as: str | None = None,
    request_id: str = "test",
    lookup: SessionLookup | None = None,
) -> RequestContext:
    """A context whose FHIR calls go to ``handler``; signed in as the owner of Patient ``signed_in_as``.

    ``lookup`` replaces the session lookup (an expired session, say).
    """
    account = Account(
        id="acc_test",
        username="user.test",
        patient_id=signed_in_as or "pat-nobody",
        email="user@example.test",
        password_hash="unused",
        status=AccountStatus.ACTIVE,
        created_at=NOW,
    )
    # The Redis client connects lazily; nothing here reaches it.
    service = build_auth(
        Redis.from_url("redis://127.0.0.1:1/0"),
        AuthSettings(),
        mailer=FileOutboxMailer(Path("/nonexistent"), sender="portal@localhost"),
        ip_hash_key=b"k" * 32,
        accounts=OneAccount(account),
    )
    redis = Redis.from_url("redis://127.0.0.1:1/0")
    # No scope cache: every request derives its scope (no Redis in unit tests).
    shared_access = build_access(redis, "unit:", service.clock)
    shared_access = dataclasses.replace(shared_access, scopes=UncachedScopes(shared_access.scopes))
    session = SessionState()
    if signed_in_as is not None:
        live = Session(
            id="s" * 64,
            account_id=account.id,
            created_at=NOW,
            last_seen=NOW,
            absolute_expires_at=NOW + timedelta(hours=12),
            idle_timeout=timedelta(minutes=15),
            level=SessionLevel.FULL,
            two_factor=False,
            authenticated_at=NOW,
        )
        session = SessionState(lookup=ActiveSession(live), token="t" * 43)
    if lookup is not None:
        session = SessionState(lookup=lookup, token="t" * 43)
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return RequestContext(
        request_id=request_id,
        _fhir=FhirClient(http, "http://fhir.invalid/fhir"),
        development=development,
        auth=service,
        access=shared_access,
        idempotency=IdempotencyStore(redis, "unit:"),
        session=session,
    )
