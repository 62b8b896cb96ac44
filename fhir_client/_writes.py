"""The write half of ``FhirClient``: create, update, patch, delete, batch, transaction, ``$validate``.

Every resource written is validated with its ``fhir.resources.R4B`` model first (``fhir_client._model``);
which writes may be retried is decided in ``fhir_client._retry``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson

from ._body import FHIR_JSON, ErrorContext, outcome_issues
from ._bundle import BundleKind, Entry, EntryResult, bundle_json, entry_results, weak_etag
from ._errors import FhirResponseError, FhirStatusError, OutcomeIssue
from ._ids import checked_id, checked_type
from ._model import ResourceInput, as_json, validated
from ._resource import Resource
from ._search import SearchParams, encode_search
from ._send import Call, Sender

_PATCH_OPS = frozenset({"add", "remove", "replace", "move", "copy", "test"})
_WRITE_HEADERS = {"Content-Type": FHIR_JSON, "Prefer": "return=representation"}


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a create, update or patch returned.

    Attributes:
        status: 201 when a resource was created, 200 otherwise (an update, or a conditional create that found
            an existing match).
        resource: The resource as the server stored it (new id, ``meta.versionId``).
        location: The ``Location`` header (``[base]/Type/id/_history/v``), if sent.
    """

    status: int
    resource: Resource
    location: str | None

    @property
    def created(self) -> bool:
        """Whether this call created the resource."""
        return self.status == 201


class WriteMethods:
    """Mixed into ``FhirClient``; relies on its ``base_url`` and sender."""

    base_url: str
    _sender: Sender

    async def create(
        self, resource: ResourceInput, *, if_none_exist: SearchParams | None = None
    ) -> WriteResult:
        """Create a resource (``POST [type]``); any id it carries is dropped, the server assigns one.

        Args:
            resource: An R4B model or FHIR JSON; validated before sending.
            if_none_exist: Conditional create: search criteria (e.g. ``{"identifier": "sys|val"}``); when one
                resource matches, it is returned (status 200) and nothing is created. Makes the call safe to
                retry.

        Raises:
            FhirInvalidResource: The resource failed R4B validation (nothing sent).
            FhirPreconditionFailed: The criteria matched more than one resource.
            FhirError: Any other failure.
        """
        data = validated(resource)
        data.pop("id", None)
        resource_type = checked_type(data["resourceType"])
        headers = dict(_WRITE_HEADERS)
        if if_none_exist:
            headers["If-None-Exist"] = urlencode(encode_search(if_none_exist, count=None))
        return await self._write("POST", resource_type, "create", resource_type, orjson.dumps(data), headers)

    async def update(self, resource: ResourceInput, *, if_match: str | None = None) -> WriteResult:
        """Replace a resource by id (``PUT [type]/[id]``).

        Args:
            resource: An R4B model or FHIR JSON with an id; validated before sending.
            if_match: Only update if the current version is this one (a ``versionId`` or an ETag). HAPI
                answers a stale version with 409.

        Raises:
            FhirInvalidResource: The resource failed R4B validation (nothing sent).
            FhirConflict: ``if_match`` is not the current version.
            FhirError: Any other failure.
        """
        data = validated(resource)
        resource_type = checked_type(data["resourceType"])
        resource_id = checked_id(str(data.get("id", "")))
        headers = dict(_WRITE_HEADERS)
        if if_match:
            headers["If-Match"] = weak_etag(if_match)
        path = f"{resource_type}/{resource_id}"
        return await self._write("PUT", path, "update", resource_type, orjson.dumps(data), headers)

    async def patch(
        self,
        resource_type: str,
        resource_id: str,
        operations: Sequence[Mapping[str, Any]],
        *,
        if_match: str | None = None,
    ) -> WriteResult:
        """Apply a JSON Patch (RFC 6902) to a resource (``PATCH [type]/[id]``).

        The server applies and validates the patch; give ``if_match`` to patch only the version you read
        (which also makes the call safe to retry).

        Args:
            resource_type: The resource type.
            resource_id: The id.
            operations: JSON Patch operations, e.g. ``[{"op": "replace", "path": "/status", "value": "x"}]``.
            if_match: Only patch this version.

        Raises:
            ValueError: A malformed operation (nothing sent).
            FhirConflict: ``if_match`` is not the current version.
            FhirError: Any other failure.
        """
        for operation in operations:
            path = operation.get("path")
            if operation.get("op") not in _PATCH_OPS or not isinstance(path, str) or not path.startswith("/"):
                raise ValueError("malformed JSON Patch operation")
        headers = {"Content-Type": "application/json-patch+json", "Prefer": "return=representation"}
        if if_match:
            headers["If-Match"] = weak_etag(if_match)
        path = f"{checked_type(resource_type)}/{checked_id(resource_id)}"
        return await self._write(
            "PATCH", path, "patch", resource_type, orjson.dumps(list(operations)), headers
        )

    async def delete(self, resource_type: str, resource_id: str) -> None:
        """Delete a resource (``DELETE [type]/[id]``); deleting a deleted resource succeeds again.

        Raises:
            FhirConflict: Other resources still refer to it (HAPI enforces referential integrity).
            FhirError: Any other failure.
        """
        url = f"{self.base_url}/{checked_type(resource_type)}/{checked_id(resource_id)}"
        await self._sender.send(Call("DELETE", url, "delete", resource_type))

    async def batch(self, entries: Sequence[Entry]) -> list[EntryResult]:
        """Send a ``batch`` Bundle: entries succeed or fail one by one.

        Returns:
            One result per entry, in order; a failed entry has its status and issues, no exception.

        Raises:
            FhirError: The batch as a whole failed (e.g. malformed, unreachable server).
        """
        return await self._bundle("batch", entries)

    async def transaction(self, entries: Sequence[Entry]) -> list[EntryResult]:
        """Send a ``transaction`` Bundle: all entries succeed together or nothing is written.

        Entries may refer to each other by ``urn:uuid:`` full URLs; the server resolves them to the new ids.

        Returns:
            One result per entry, in order.

        Raises:
            FhirStatusError: An entry failed, so the whole transaction did (e.g. ``FhirConflict`` for a
                stale ``if_match``, ``FhirBadRequest`` for an invalid entry).
            FhirError: Any other failure.
        """
        return await self._bundle("transaction", entries)

    async def validate(self, resource: ResourceInput) -> tuple[OutcomeIssue, ...]:
        """Run the server's own validator (``POST [type]/$validate``) on a resource.

        Unlike writes this sends the resource as given (no R4B validation first): it is for checking what a
        test or a tool wrote with the server's profiles and terminology.

        Returns:
            The issues found; none of severity ``error``/``fatal`` means the server accepts it.
        """
        data = as_json(resource)
        resource_type = checked_type(str(data.get("resourceType", "")))
        call = Call(
            "POST",
            f"{self.base_url}/{resource_type}/$validate",
            "validate",
            resource_type,
            content=orjson.dumps(data),
            headers={"Content-Type": FHIR_JSON},
            retry_safe=True,
        )
        try:
            reply = await self._sender.send(call)
        except FhirStatusError as exc:
            if exc.status_code in (400, 412, 422) and exc.issues:
                return exc.issues  # HAPI answers an invalid resource with an error status and the outcome
            raise
        return outcome_issues(reply.body)

    async def _bundle(self, kind: BundleKind, entries: Sequence[Entry]) -> list[EntryResult]:
        if not entries:
            return []
        read_only = all(entry.method == "GET" for entry in entries)
        call = Call(
            "POST",
            self.base_url,
            kind,
            None,
            content=orjson.dumps(bundle_json(kind, entries)),
            # Without it HAPI leaves created and updated resources out of the response entries.
            headers=_WRITE_HEADERS,
            retry_safe=read_only,
        )
        reply = await self._sender.send(call)
        context = ErrorContext(call.method, None, self._sender.request_id)
        return entry_results(reply.body, kind, len(entries), context)

    async def _write(
        self,
        method: str,
        path: str,
        interaction: str,
        resource_type: str,
        body: bytes,
        headers: dict[str, str],
    ) -> WriteResult:
        call = Call(
            method, f"{self.base_url}/{path}", interaction, resource_type, content=body, headers=headers
        )
        reply = await self._sender.send(call)
        if reply.body is None or reply.body.get("resourceType") != resource_type:
            raise FhirResponseError(
                f"FHIR {interaction} answered without the resource",
                **ErrorContext(method, resource_type, self._sender.request_id).fields(),
            )
        return WriteResult(reply.status, Resource(reply.body), reply.headers.get("location"))


__all__ = ["WriteMethods", "WriteResult"]
