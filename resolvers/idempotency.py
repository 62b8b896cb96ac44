"""Idempotent mutations: a retried request with the same key never books, sends, requests or charges twice.

Every mutation that creates, changes or charges something takes an ``idempotencyKey`` (8 to 64 characters of
``A-Z a-z 0-9 _ -``) and runs its work through ``idempotent(...)``, the same way in every feature:

1. The key is claimed atomically in Redis, per account, together with a fingerprint of the operation and its
   arguments (``<prefix>idem:<account>:<sha256(key)>``, a hash: state, owner, fingerprint, result).
2. The first request runs the work. Its result (a success or a ``Problem`` value) is stored for 24 hours, and
   every later request with the key gets that stored result and writes nothing. An exception stores no result
   and releases the claim, so the client can retry with the same key: an input or access error (raised, by
   convention, before anything is written) forgets the key; any other (the EHR down, an answer lost) keeps it
   as failed, so only the same request may retry it, and its work is told so (``WriteMarker.retried``).
3. A request that finds the key claimed by a request still running waits for its result (bounded), then
   answers CONFLICT. The same key with other arguments (or for another operation) answers
   ``IdempotencyKeyReused``. A claim whose process died expires after its lease.

Redis makes this hold across gateway processes. What Redis cannot see is a first attempt that failed after the
EHR wrote (the answer was lost): for that, the work gets a ``WriteMarker``, an identifier derived from the
account, operation and key, which it puts on what it creates and uses as the ``If-None-Exist`` criteria, so
the EHR itself refuses to create it twice and a retry finds the first attempt's resources.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import TypeAdapter
from redis.asyncio import Redis

from fhir_client import Resource, SearchParams

from .errors import BadUserInput, Conflict, ErrorCode, PublicError
from .problems import IdempotencyKeyReused
from .values import objects, string
from .viewer import require_viewer

if TYPE_CHECKING:
    from .context import RequestContext

R = TypeVar("R")
KEY_FORMAT = re.compile(r"[A-Za-z0-9_-]{8,64}")
MARKER_SYSTEM = "urn:portal-gateway:idempotency"

# Claim the key unless it exists (1), or take over the same request's failed attempt (2); else answer what is
# stored, for the caller to decide.
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  local state = redis.call('HGET', KEYS[1], 'state')
  if state ~= 'failed' or redis.call('HGET', KEYS[1], 'fingerprint') ~= ARGV[2] then
    return redis.call('HGETALL', KEYS[1])
  end
  redis.call('HSET', KEYS[1], 'state', 'pending', 'owner', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 2
end
redis.call('HSET', KEYS[1], 'state', 'pending', 'owner', ARGV[1], 'fingerprint', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""
# Store the result, only while this request still owns the claim.
_FINISH = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'type', ARGV[2], 'value', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""
# Give the key up: forget it (nothing was written), or keep it as failed (a write may have happened upstream).
_RELEASE = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'state', 'failed', 'owner', '')
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return redis.call('DEL', KEYS[1])
"""


@dataclass(frozen=True, slots=True)
class WriteMarker:
    """An identifier unique to (account, operation, key) that the work writes on what it creates.

    Attributes:
        value: The identifier's value.
        retried: An earlier attempt with this key failed after it may have written upstream: look for what
            it wrote (``criteria``) before writing again, when a conditional create alone is not enough
            (a transaction that also changes a shared resource).
    """

    value: str
    retried: bool = False

    @property
    def identifier(self) -> dict[str, str]:
        """The FHIR Identifier to put on the created resource."""
        return {"system": MARKER_SYSTEM, "value": self.value}

    @property
    def criteria(self) -> SearchParams:
        """The search that finds the resource again (``If-None-Exist`` of its create)."""
        return {"identifier": f"{MARKER_SYSTEM}|{self.value}"}

    def marks(self, resource: Resource) -> bool:
        """Whether ``resource`` carries this marker (an earlier attempt with this key wrote it)."""
        return any(
            string(i.get("system")) == MARKER_SYSTEM and string(i.get("value")) == self.value
            for i in objects(resource.get("identifier"))
        )

    def on(self, resource: Mapping[str, Any]) -> dict[str, Any]:
        """``resource`` with the marker added to its ``identifier`` list."""
        identifiers = [i for i in resource.get("identifier") or [] if isinstance(i, dict)]
        return {**resource, "identifier": [*identifiers, self.identifier]}


@dataclass(frozen=True, slots=True)
class _Stored:
    state: str
    fingerprint: str
    type_name: str | None
    value: str | None


class IdempotencyStore:
    """The Redis side of idempotency keys. Made once in the app lifespan.

    Args:
        redis: The shared Redis client.
        prefix: The gateway's Redis key prefix.
        ttl: How long a result is kept (default 24 hours).
        lease: How long a claim lasts when its request never finishes (a crashed process); longer than any
            request may take.
        wait: How long a concurrent duplicate waits for the first request's result before CONFLICT.
    """

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        *,
        ttl: timedelta = timedelta(hours=24),
        lease: timedelta = timedelta(seconds=60),
        wait: timedelta = timedelta(seconds=10),
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self.ttl_ms = int(ttl.total_seconds() * 1000)
        self.lease_ms = int(lease.total_seconds() * 1000)
        self.wait_seconds = wait.total_seconds()
        self._claim = redis.register_script(_CLAIM)
        self._finish = redis.register_script(_FINISH)
        self._release = redis.register_script(_RELEASE)

    def key(self, account_id: str, idempotency_key: str) -> str:
        """The Redis key of one account's idempotency key (the client's key only as a digest)."""
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
        return f"{self._prefix}idem:{account_id}:{digest}"

    async def claim(self, key: str, owner: str, fingerprint: str) -> _Stored | bool:
        """Claim ``key`` for ``owner``.

        Returns:
            ``False`` when new, ``True`` when taking over the same request's failed attempt; else what another
            request stored.
        """
        reply = await self._claim(keys=[key], args=[owner, fingerprint, self.lease_ms])
        if reply in (1, 2):
            return bool(reply == 2)
        fields = {_text(k): _text(v) for k, v in zip(reply[::2], reply[1::2], strict=True)}
        return _Stored(
            state=fields.get("state") or "",
            fingerprint=fields.get("fingerprint") or "",
            type_name=fields.get("type"),
            value=fields.get("value"),
        )

    async def finish(self, key: str, owner: str, type_name: str, value: str) -> bool:
        """Store the result of ``owner``'s request (False when its claim expired meanwhile)."""
        return bool(await self._finish(keys=[key], args=[owner, type_name, value, self.ttl_ms]))

    async def release(self, key: str, owner: str, *, wrote: bool) -> None:
        """Give the key up after a failed attempt, so a retry runs again.

        Args:
            key: The Redis key.
            owner: The claiming request.
            wrote: The attempt may have written upstream: keep the key as failed, so that only the same
                request may retry it (told so by ``WriteMarker.retried``).
        """
        await self._release(keys=[key], args=[owner, "1" if wrote else "0", self.ttl_ms])


async def idempotent(
    ctx: RequestContext,
    operation: str,
    idempotency_key: str,
    arguments: Mapping[str, Any],
    results: tuple[type, ...],
    work: Callable[[WriteMarker], Awaitable[R]],
) -> R | IdempotencyKeyReused:
    """Run ``work`` once per (account, key); repeats get the stored result.

    Args:
        ctx: The request context (needs a viewer).
        operation: The mutation's name (part of the fingerprint).
        idempotency_key: The client's key.
        arguments: What makes two requests "the same" (already validated and normalized).
        results: Every class ``work`` may return (to read stored results back).
        work: The mutation's work; it gets the write marker for what it creates.

    Returns:
        The work's result, the stored result of an earlier request with the key, or ``IdempotencyKeyReused``.

    Raises:
        PublicError: BAD_USER_INPUT for a malformed key; CONFLICT when a request with the key is still
            running after the wait; as ``require_viewer``; whatever ``work`` raises (nothing is stored then).
    """
    if not isinstance(idempotency_key, str) or not KEY_FORMAT.fullmatch(idempotency_key):
        raise BadUserInput("idempotencyKey: 8 to 64 characters of A-Z, a-z, 0-9, _ and -")
    viewer = await require_viewer(ctx)
    store = ctx.idempotency
    key = store.key(viewer.account.id, idempotency_key)
    fingerprint = _fingerprint(operation, arguments)
    owner = uuid.uuid4().hex
    by_name = {cls.__name__: cls for cls in results}
    deadline = asyncio.get_running_loop().time() + store.wait_seconds
    while True:
        stored = await store.claim(key, owner, fingerprint)
        if isinstance(stored, bool):
            retried = stored
            break
        if stored.fingerprint != fingerprint:
            return IdempotencyKeyReused()
        if stored.state == "done" and stored.type_name in by_name and stored.value is not None:
            return cast(R, _adapter(by_name[stored.type_name]).validate_json(stored.value))
        if asyncio.get_running_loop().time() >= deadline:
            raise Conflict("A request with this idempotency key is still in progress. Try again shortly.")
        await asyncio.sleep(0.05)
    seed = f"{viewer.account.id}\0{operation}\0{idempotency_key}".encode()
    marker = WriteMarker(hashlib.sha256(seed).hexdigest()[:40], retried)
    try:
        result = await work(marker)
    except BaseException as exc:
        await store.release(key, owner, wrote=_may_have_written(exc))
        raise
    kind: type = type(result)
    if kind not in results:  # a programming error: the result could not be replayed
        await store.release(key, owner, wrote=True)
        raise TypeError(f"{operation} returned {kind.__name__}, not one of its declared results")
    await store.finish(key, owner, kind.__name__, _adapter(kind).dump_json(result).decode())
    return result


# Raised before the work writes anything, by the convention of every feature: input is checked and access
# decided first. Anything else may come after a write.
_BEFORE_WRITING = frozenset(
    {ErrorCode.BAD_USER_INPUT, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND, ErrorCode.UNAUTHENTICATED}
)


def _may_have_written(exc: BaseException) -> bool:
    return not (isinstance(exc, PublicError) and exc.code in _BEFORE_WRITING)


@functools.cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def _fingerprint(operation: str, arguments: Mapping[str, Any]) -> str:
    text = json.dumps([operation, dict(arguments)], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return bytes(value).decode()
