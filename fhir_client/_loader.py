"""Per-request batching of GETs: reads, loads by id and searches asked for together go as one request.

A ``FhirClient`` sends every read and search through its ``GetBatcher``. What callers ask for while they run
"at the same time" (the sibling fields of a GraphQL selection, ``asyncio.gather``) is collected and sent when
the event loop has gone a turn without anyone adding more:

- one GET alone goes out as itself;
- several go as one ``batch`` Bundle (HAPI answers its GETs in parallel), each caller getting its own
  resource, page or typed error;
- loads of one type by id (``ReadLoader``) are merged: one id is a read, several are ``Type?_id=a,b,c``
  (chunks of ``loader_chunk_size``); missing, deleted and malformed ids load as ``None``.

Fewer round trips is the point: a page and everything it needs beside it cost one request.

It belongs to one ``FhirClient``, hence to one gateway request: a loader shared across requests would serve
one patient's cached resources to another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ._body import ErrorContext, status_error
from ._bundle import Entry, SearchPage, search_page
from ._errors import FhirGone, FhirNotFound, FhirResponseError
from ._ids import is_fhir_id
from ._resource import Resource
from ._retry import RETRY_STATUSES
from ._search import AnyOf

if TYPE_CHECKING:
    from ._client import FhirClient

SETTLE_TURNS = 4
"""Event-loop turns a batch waits at most for more GETs while they keep coming (each turn adds one)."""
MAX_ENTRIES = 20
"""GETs per batch Bundle (HAPI's default pool answers 20 at once); more go as several batches at once."""

Pairs = tuple[tuple[str, str], ...]
Key = (
    tuple[Literal["read"], str, str]
    | tuple[Literal["load"], str, str]
    | tuple[Literal["search"], str, Pairs, bool]
)


@dataclass(frozen=True, slots=True)
class _Get:
    """One GET to send and how to settle the callers waiting for it."""

    entry: Entry
    interaction: str
    resource_type: str
    path: str
    params: Pairs
    settle: Callable[[Any], Awaitable[None]]
    fail: Callable[[BaseException], None]


class GetBatcher:
    """Collects the GETs of one turn (and the turns that keep adding to it) and sends them together.

    Args:
        client: The client of this request.
        bundle: Send several GETs as one ``batch`` Bundle; otherwise each on its own, all at once.
    """

    def __init__(self, client: FhirClient, *, bundle: bool = True) -> None:
        self._client = client
        self._bundle = bundle
        self._futures: dict[Key, asyncio.Future[Any]] = {}
        self._queue: list[Key] = []
        self._seen = 0
        self._turns = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def read(self, resource_type: str, resource_id: str) -> Resource:
        """Read one resource (raises as ``FhirClient.read``)."""
        result: Resource = await self._get(("read", resource_type, resource_id))
        return result

    async def load(self, resource_type: str, resource_id: str) -> Resource | None:
        """Load one resource by id, cached for the request; ``None`` when missing, deleted or malformed."""
        if not is_fhir_id(resource_id):
            return None  # cannot exist; not worth a request
        result: Resource | None = await self._get(("load", resource_type, resource_id))
        return result

    async def search(self, resource_type: str, pairs: Pairs, *, total: bool) -> SearchPage:
        """Search with query pairs already encoded by ``FhirClient.encode_search``."""
        result: SearchPage = await self._get(("search", resource_type, pairs, total))
        return result

    def forget(self, resource_type: str, resource_id: str) -> None:
        """Drop a cached load (after this request changed the resource)."""
        self._futures.pop(("load", resource_type, resource_id), None)

    async def _get(self, key: Key) -> Any:
        future = self._futures.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._futures[key] = loop.create_future()
            if not self._queue:
                self._seen, self._turns = 0, 0
                loop.call_soon(self._turn)
            self._queue.append(key)
        # shield: one caller being cancelled must not cancel the shared answer for the others.
        return await asyncio.shield(future)

    def _turn(self) -> None:
        # Callers woken together often ask in consecutive turns (each gather adds one); wait while they do.
        if len(self._queue) > self._seen and self._turns < SETTLE_TURNS:
            self._seen, self._turns = len(self._queue), self._turns + 1
            asyncio.get_running_loop().call_soon(self._turn)
            return
        batch = {key: self._futures[key] for key in self._queue}
        self._queue = []
        for key in batch:
            if key[0] != "load":  # loads stay cached for the request; the rest is asked afresh
                del self._futures[key]
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, batch: dict[Key, asyncio.Future[Any]]) -> None:
        try:
            gets = self._gets(batch)
            if len(gets) == 1 or not self._bundle:
                await asyncio.gather(*(self._alone(get) for get in gets))
            else:
                chunks = [gets[at : at + MAX_ENTRIES] for at in range(0, len(gets), MAX_ENTRIES)]
                await asyncio.gather(*(self._together(chunk) for chunk in chunks))
        except BaseException as exc:
            for future in batch.values():
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            for key, future in batch.items():
                # A failure is not cached (asking again retries); a newer ask of the same key is left alone.
                if self._futures.get(key) is future and future.done() and future.exception() is not None:
                    del self._futures[key]

    def _gets(self, batch: dict[Key, asyncio.Future[Any]]) -> list[_Get]:
        gets: list[_Get] = []
        loads: dict[str, list[str]] = {}
        for key in batch:
            if key[0] == "load":
                loads.setdefault(key[1], []).append(key[2])
            elif key[0] == "read":
                gets.append(self._read(key[1], key[2], batch[key]))
            else:
                gets.append(self._search(key[1], key[2], key[3], batch[key]))
        size = self._client.options.loader_chunk_size
        for resource_type, ids in loads.items():
            for at in range(0, len(ids), size):
                futures = {rid: batch[("load", resource_type, rid)] for rid in ids[at : at + size]}
                gets.append(self._load(resource_type, futures))
        return gets

    def _read(self, resource_type: str, resource_id: str, future: asyncio.Future[Any]) -> _Get:
        async def settle(body: Any) -> None:
            future.set_result(self._resource(resource_type, body, "read"))

        entry = Entry.read(resource_type, resource_id)
        return _Get(entry, "read", resource_type, entry.url, (), settle, _failing(future))

    def _search(self, resource_type: str, pairs: Pairs, total: bool, future: asyncio.Future[Any]) -> _Get:
        context = self._context(resource_type)

        async def settle(body: Any) -> None:
            future.set_result(search_page(body, resource_type, want_total=total, context=context))

        entry = Entry.search(resource_type, pairs)
        return _Get(entry, "search", resource_type, resource_type, pairs, settle, _failing(future))

    def _load(self, resource_type: str, futures: dict[str, asyncio.Future[Any]]) -> _Get:
        ids = list(futures)
        fail_all = _failing(*futures.values())
        if len(ids) == 1:
            only = futures[ids[0]]

            def fail(error: BaseException) -> None:
                if isinstance(error, FhirNotFound | FhirGone):
                    only.set_result(None)  # a read of a missing or deleted id
                else:
                    fail_all(error)

            async def settle_one(body: Any) -> None:
                only.set_result(self._resource(resource_type, body, "read"))

            entry = Entry.read(resource_type, ids[0])
            return _Get(entry, "read", resource_type, entry.url, (), settle_one, fail)

        pairs = self._client.encode_search({"_id": AnyOf(*ids)}, count=len(ids))
        context = self._context(resource_type)

        async def settle(body: Any) -> None:
            wanted, found = set(ids), dict[str, Resource]()
            page: SearchPage | None = search_page(body, resource_type, want_total=False, context=context)
            # A server may page even when everything fit; stop as soon as every id is accounted for.
            while page is not None:
                found.update(
                    (r.id, r) for r in page.matches if r.resource_type == resource_type and r.id in wanted
                )
                page = None if len(found) == len(wanted) else await self._client.next_page(page)
            for rid, future in futures.items():
                future.set_result(found.get(rid))

        entry = Entry.search(resource_type, pairs)
        return _Get(entry, "search", resource_type, resource_type, pairs, settle, fail_all)

    async def _alone(self, get: _Get) -> None:
        try:
            body = await self._client.send_get(get.interaction, get.resource_type, get.path, get.params)
            await get.settle(body)
        except Exception as error:
            get.fail(error)

    async def _together(self, gets: Sequence[_Get]) -> None:
        try:
            results = await self._client.batch([get.entry for get in gets])
        except Exception as error:
            for get in gets:
                get.fail(error)
            return
        retried: list[Awaitable[None]] = []
        for get, result in zip(gets, results, strict=True):
            self._client.count_entry(get.interaction, get.resource_type, failed=not result.ok)
            if result.status in RETRY_STATUSES:
                retried.append(self._alone(get))  # on its own, with the client's retry policy
            elif not result.ok:
                get.fail(status_error(result.status, result.issues, self._context(get.resource_type)))
            else:
                try:
                    await get.settle(result.resource.data if result.resource else None)
                except Exception as error:
                    get.fail(error)
        await asyncio.gather(*retried)

    def _resource(self, resource_type: str, body: Any, interaction: str) -> Resource:
        if not isinstance(body, dict) or body.get("resourceType") != resource_type:
            raise FhirResponseError(
                f"upstream answered a {interaction} with another resource type",
                **self._context(resource_type).fields(),
            )
        return Resource(body)

    def _context(self, resource_type: str) -> ErrorContext:
        return ErrorContext("GET", resource_type, self._client.request_id)


def _failing(*futures: asyncio.Future[Any]) -> Callable[[BaseException], None]:
    def fail(error: BaseException) -> None:
        for future in futures:
            if not future.done():
                future.set_exception(error)

    return fail


class ReadLoader:
    """Reads resources of one type by id: batched with the request's other GETs, deduplicated and cached.

    A missing (or deleted, or malformed) id loads as ``None``; only a failure of the request itself raises.

    Args:
        client: The client of this request.
        resource_type: The type every key refers to.
    """

    def __init__(self, client: FhirClient, resource_type: str) -> None:
        self._batcher = client.gets
        self._type = resource_type

    async def load(self, resource_id: str) -> Resource | None:
        """The resource with this id, or ``None`` if there is none."""
        return await self._batcher.load(self._type, resource_id)

    async def load_many(self, resource_ids: Iterable[str]) -> list[Resource | None]:
        """The resources with these ids, in order, ``None`` for missing ones."""
        return list(await asyncio.gather(*(self.load(resource_id) for resource_id in resource_ids)))

    def clear(self, resource_id: str) -> None:
        """Forget a cached answer (after this request changed the resource)."""
        self._batcher.forget(self._type, resource_id)


__all__ = ["GetBatcher", "ReadLoader"]
