"""The async FHIR R4 REST client: construction, reads, searches, paging (writes: ``fhir_client._writes``)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any, Unpack

from ._auth import NoAuth, UpstreamAuth
from ._body import ErrorContext
from ._breaker import CircuitBreaker
from ._bundle import SearchPage, search_page
from ._errors import FhirResponseError
from ._ids import checked_id, checked_type
from ._loader import GetBatcher, Pairs, ReadLoader
from ._log import CallCounter
from ._options import ClientOptions
from ._paging import checked_next_url
from ._resource import Resource
from ._search import SearchOptions, SearchParams, encode_search
from ._send import Call, Sender
from ._transport import AsyncClient, TransportError
from ._writes import WriteMethods


class FhirClient(WriteMethods):
    """A FHIR R4 client bound to one server base URL over a shared ``httpx.AsyncClient``.

    The HTTP client, the auth, the breaker and the process-wide ``metrics`` counter are made once in the app
    lifespan and shared; a ``FhirClient`` itself is cheap and meant to be made per request (``for_request``),
    with its own call counter (``calls``) and read loaders.

    Args:
        http: The shared HTTP client (see ``make_http_client``).
        base_url: The FHIR base, e.g. ``http://127.0.0.1:8080/fhir``.
        request_id: The gateway request id, sent as ``X-Request-ID`` and attached to errors and log lines.
        options: Timeouts, deadline, retries, page sizes, logging.
        auth: Upstream authentication (default: none).
        breaker: The circuit breaker of this upstream. Pass the shared one; the default, a new breaker per
            client, only protects within one client.
        metrics: A long-lived counter that every client of the process adds to (for a metrics endpoint).
    """

    def __init__(
        self,
        http: AsyncClient,
        base_url: str,
        *,
        request_id: str | None = None,
        options: ClientOptions | None = None,
        auth: UpstreamAuth | None = None,
        breaker: CircuitBreaker | None = None,
        metrics: CallCounter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.options = options or ClientOptions()
        self.calls = CallCounter()
        self._metrics = metrics
        counters = (self.calls,) if metrics is None else (self.calls, metrics)
        self._sender = Sender(
            http, self.options, breaker or CircuitBreaker(), auth or NoAuth(), counters, request_id
        )
        self._loaders: dict[str, ReadLoader] = {}
        self.gets = GetBatcher(self, bundle=self.options.batch_gets)
        """Where this client's reads and searches go: those asked for together are sent together."""

    @property
    def request_id(self) -> str | None:
        """The request id this client works for."""
        return self._sender.request_id

    def for_request(self, request_id: str | None) -> FhirClient:
        """A new client for one gateway request.

        It shares the connection pool, auth, breaker and metrics; it has its own call counter and loaders.
        """
        sender = self._sender
        return FhirClient(
            sender.http,
            self.base_url,
            request_id=request_id,
            options=self.options,
            auth=sender.auth,
            breaker=sender.breaker,
            metrics=self._metrics,
        )

    async def ping(self, *, within: float) -> bool:
        """Whether the server answers ``GET [base]/metadata`` with 200 within ``within`` seconds.

        For readiness probes: no retries, no circuit breaker, no counting, so it reports the server as it is
        now and never trips or resets the breaker that real calls rely on.

        Args:
            within: Seconds to wait for the whole answer.

        Returns:
            True when the capability statement came back.
        """
        try:
            response = await self._sender.http.get(
                f"{self.base_url}/metadata", params={"_summary": "true"}, timeout=within
            )
        except TransportError:
            return False
        return response.status_code == 200

    def count_entry(self, interaction: str, resource_type: str, *, failed: bool) -> None:
        """Count a GET answered inside a batch Bundle, in this client's counter and the process's."""
        for counter in self._sender.counters:
            counter.record_entry(interaction, resource_type, failed=failed)

    def loader(self, resource_type: str) -> ReadLoader:
        """The read loader of ``resource_type`` for this client (made on first use; see ``ReadLoader``)."""
        loader = self._loaders.get(resource_type)
        if loader is None:
            loader = self._loaders[resource_type] = ReadLoader(self, checked_type(resource_type))
        return loader

    async def read(self, resource_type: str, resource_id: str) -> Resource:
        """Read the current version of one resource.

        Args:
            resource_type: e.g. ``"Patient"``.
            resource_id: The logical id.

        Returns:
            The resource.

        Raises:
            ValueError: ``resource_type`` or ``resource_id`` is malformed (nothing is sent).
            FhirNotFound: No such resource.
            FhirGone: The resource was deleted.
            FhirError: Any other failure.
        """
        return await self.gets.read(checked_type(resource_type), checked_id(resource_id))

    async def vread(self, resource_type: str, resource_id: str, version_id: str) -> Resource:
        """Read one version of a resource (``[type]/[id]/_history/[vid]``).

        Raises:
            ValueError: A malformed type, id or version id.
            FhirNotFound: No such resource or version.
            FhirGone: That version is a deletion.
            FhirError: Any other failure.
        """
        path = f"{checked_type(resource_type)}/{checked_id(resource_id)}/_history/{checked_id(version_id)}"
        return await self._get_resource(path, "vread", resource_type)

    async def search(
        self, resource_type: str, params: SearchParams | None = None, **options: Unpack[SearchOptions]
    ) -> SearchPage:
        """Search one resource type and return the first page.

        Args:
            resource_type: The type to search.
            params: The search parameters (see ``fhir_client._search``).
            **options: ``count``, ``total``, ``elements``, ``include``, ``revinclude``, ``sort``
                (see ``SearchOptions``).

        Returns:
            The first page; follow ``next_page``/``pages`` for the rest.

        Raises:
            ValueError: Malformed parameters (nothing is sent).
            FhirBadRequest: The server rejected the search (e.g. an unknown parameter).
            FhirError: Any other failure.
        """
        pairs = self.encode_search(params, **options)
        return await self.search_encoded(
            checked_type(resource_type), pairs, total=options.get("total", False)
        )

    def encode_search(
        self, params: SearchParams | None = None, **options: Unpack[SearchOptions]
    ) -> tuple[tuple[str, str], ...]:
        """The query pairs this client sends for a search (``_count`` defaulted and capped)."""
        return encode_search(
            params,
            count=self.page_size(options.get("count")),
            total=options.get("total", False),
            elements=options.get("elements", ()),
            include=options.get("include", ()),
            revinclude=options.get("revinclude", ()),
            include_iterate=options.get("include_iterate", ()),
            revinclude_iterate=options.get("revinclude_iterate", ()),
            sort=options.get("sort", ()),
        )

    async def search_encoded(
        self, resource_type: str, pairs: tuple[tuple[str, str], ...], *, total: bool
    ) -> SearchPage:
        """Send a search already encoded by ``encode_search`` (batched with the other GETs of its turn)."""
        return await self.gets.search(resource_type, pairs, total=total)

    async def send_get(self, interaction: str, resource_type: str, path: str, params: Pairs) -> Any:
        """Send one GET of ``path`` (relative to the base) on its own; its JSON body. For ``GetBatcher``."""
        call = Call("GET", f"{self.base_url}/{path}", interaction, resource_type, params=params)
        return (await self._sender.send(call)).body

    def page_size(self, count: int | None) -> int:
        """The ``_count`` to send: the default when ``None``, never above ``options.max_count``."""
        if count is None:
            return self.options.default_count
        if count < 0:
            raise ValueError("count must not be negative")
        return min(count, self.options.max_count)

    async def next_page(self, page: SearchPage) -> SearchPage | None:
        """The page after ``page`` by its opaque next link; ``None`` after the last page.

        Raises:
            FhirResponseError: The next link leaves the FHIR base (not followed).
            FhirGone: The server expired the stored search (HAPI keeps them for a limited time).
            FhirError: Any other failure.
        """
        if page.next_url is None:
            return None
        context = ErrorContext("GET", page.resource_type, self.request_id)
        url = checked_next_url(page.next_url, self.base_url, context)
        reply = await self._sender.send(Call("GET", url, "page", page.resource_type))
        return search_page(reply.body, page.resource_type, want_total=page.total is not None, context=context)

    async def pages(self, first: SearchPage, *, max_pages: int | None = None) -> AsyncIterator[SearchPage]:
        """Iterate from ``first`` through the following pages (``async for page in client.pages(...)``).

        Args:
            first: A page from ``search``.
            max_pages: Stop after this many pages (``first`` included); ``None`` for all.
        """
        page: SearchPage | None = first
        for seen in itertools.count(1):
            if page is None:
                return
            yield page
            if max_pages is not None and seen >= max_pages:
                return
            page = await self.next_page(page)

    async def _get_resource(self, path: str, interaction: str, resource_type: str) -> Resource:
        call = Call("GET", f"{self.base_url}/{path}", interaction, resource_type)
        reply = await self._sender.send(call)
        if reply.body is None or reply.body.get("resourceType") != resource_type:
            raise FhirResponseError(
                f"upstream answered a {interaction} with another resource type",
                **self._context(call).fields(),
            )
        return Resource(reply.body)

    def _context(self, call: Call) -> ErrorContext:
        return ErrorContext(call.method, call.resource_type, self.request_id)


__all__ = ["FhirClient"]
