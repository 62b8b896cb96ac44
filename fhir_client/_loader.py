"""Per-request batching of reads and searches.

Many reads of one type become one ``Type?_id=a,b,c`` search; independent searches issued together become one
``batch`` Bundle.

Both collect what is asked for during one turn of the event loop (the callers that run "at the same time",
e.g. the sibling fields of a GraphQL selection) and send it when the loop gets to the callback scheduled with
``loop.call_soon`` by the first of them. Fewer round trips is the point: N reads cost ceil(N / chunk)
requests.

They belong to one ``FhirClient``, hence to one gateway request: a loader shared across requests would serve
one patient's cached resources to another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar, Unpack

from ._body import ErrorContext, status_error
from ._bundle import Entry, SearchPage, search_page
from ._errors import FhirResponseError
from ._ids import is_fhir_id
from ._resource import Resource
from ._search import AnyOf, SearchOptions, SearchParams

if TYPE_CHECKING:
    from ._client import FhirClient

K = TypeVar("K")
V = TypeVar("V")


class _TickBatch(Generic[K, V]):
    """Collects keys asked for in one event-loop turn and resolves them with one ``_resolve`` call."""

    def __init__(self, *, cache: bool) -> None:
        self._futures: dict[K, asyncio.Future[V]] = {}
        self._queue: list[K] = []
        self._cache = cache
        self._tasks: set[asyncio.Task[None]] = set()

    async def _get(self, key: K) -> V:
        future = self._futures.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._futures[key] = loop.create_future()
            if not self._queue:
                loop.call_soon(self._flush)
            self._queue.append(key)
        # shield: one caller being cancelled must not cancel the shared answer for the others.
        return await asyncio.shield(future)

    def _flush(self) -> None:
        batch = {key: self._futures[key] for key in self._queue}
        self._queue = []
        if not self._cache:
            for key in batch:
                del self._futures[key]
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, batch: dict[K, asyncio.Future[V]]) -> None:
        try:
            await self._resolve(batch)
        except BaseException as exc:
            for key, future in batch.items():
                if not future.done():
                    future.set_exception(exc)
                    self._futures.pop(key, None)  # a failure is not cached; asking again retries
            if not isinstance(exc, Exception):
                raise

    async def _resolve(self, batch: dict[K, asyncio.Future[V]]) -> None:
        raise NotImplementedError


class ReadLoader(_TickBatch[str, Resource | None]):
    """Reads resources of one type by id, batched, deduplicated and cached for the request.

    A missing (or deleted, or malformed) id loads as ``None``; only a failure of the request itself raises.

    Args:
        client: The client of this request.
        resource_type: The type every key refers to.
        chunk_size: Ids per request; default ``client.options.loader_chunk_size``.
    """

    def __init__(self, client: FhirClient, resource_type: str, *, chunk_size: int | None = None) -> None:
        super().__init__(cache=True)
        self._client = client
        self._type = resource_type
        self._chunk = min(chunk_size or client.options.loader_chunk_size, client.options.max_count)

    async def load(self, resource_id: str) -> Resource | None:
        """The resource with this id, or ``None`` if there is none."""
        return await self._get(resource_id)

    async def load_many(self, resource_ids: Iterable[str]) -> list[Resource | None]:
        """The resources with these ids, in order, ``None`` for missing ones."""
        return list(await asyncio.gather(*(self._get(resource_id) for resource_id in resource_ids)))

    def clear(self, resource_id: str) -> None:
        """Forget a cached answer (after this request changed the resource)."""
        self._futures.pop(resource_id, None)

    async def _resolve(self, batch: dict[str, asyncio.Future[Resource | None]]) -> None:
        ids = []
        for resource_id, future in batch.items():
            if is_fhir_id(resource_id):
                ids.append(resource_id)
            else:
                future.set_result(None)  # cannot exist; not worth a request
        chunks = [ids[start : start + self._chunk] for start in range(0, len(ids), self._chunk)]
        await asyncio.gather(*(self._fetch(chunk, batch) for chunk in chunks))

    async def _fetch(self, chunk: list[str], batch: dict[str, asyncio.Future[Resource | None]]) -> None:
        wanted = set(chunk)
        found: dict[str, Resource] = {}
        page: SearchPage | None = await self._client.search(
            self._type, {"_id": AnyOf(*chunk)}, count=len(chunk)
        )
        # A server may page even when everything fit; stop as soon as every id is accounted for.
        while page is not None:
            found.update((r.id, r) for r in page.matches if r.resource_type == self._type and r.id in wanted)
            page = None if len(found) == len(wanted) else await self._client.next_page(page)
        for resource_id in chunk:
            if not batch[resource_id].done():
                batch[resource_id].set_result(found.get(resource_id))


_SearchKey = tuple[str, tuple[tuple[str, str], ...], bool]


class SearchBatcher(_TickBatch[_SearchKey, SearchPage]):
    """Runs independent searches issued in one event-loop turn as one ``batch`` Bundle.

    One search alone goes out as a plain GET; identical searches are sent once. A search that fails inside
    the batch raises its own typed error for its caller only.

    Args:
        client: The client of this request.
    """

    def __init__(self, client: FhirClient) -> None:
        super().__init__(cache=False)
        self._client = client

    async def search(
        self, resource_type: str, params: SearchParams | None = None, **options: Unpack[SearchOptions]
    ) -> SearchPage:
        """Like ``FhirClient.search``, but batched with the other searches of this turn."""
        pairs = self._client.encode_search(params, **options)
        return await self._get((resource_type, pairs, options.get("total", False)))

    async def _resolve(self, batch: dict[_SearchKey, asyncio.Future[SearchPage]]) -> None:
        keys: Sequence[_SearchKey] = list(batch)
        if len(keys) == 1:
            resource_type, pairs, total = keys[0]
            batch[keys[0]].set_result(await self._client.search_encoded(resource_type, pairs, total=total))
            return
        results = await self._client.batch([Entry.search(key[0], key[1]) for key in keys])
        for key, result in zip(keys, results, strict=True):
            context = ErrorContext("GET", key[0], self._client.request_id)
            future = batch[key]
            if not result.ok:
                future.set_exception(status_error(result.status, result.issues, context))
            elif result.resource is None:
                future.set_exception(
                    FhirResponseError("FHIR batch search entry without a Bundle", **context.fields())
                )
            else:
                future.set_result(
                    search_page(result.resource.data, key[0], want_total=key[2], context=context)
                )


__all__ = ["ReadLoader", "SearchBatcher"]
