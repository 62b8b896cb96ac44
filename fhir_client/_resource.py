"""A cheap, typed read view of a FHIR resource as parsed JSON.

Reads are not run through full pydantic models: that costs about 20x the JSON parse per resource (see
``bench/``). A ``Resource`` checks the two things every caller relies on (``resourceType`` and ``id``) and
gives typed access to the rest of the JSON object, which callers read defensively.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._errors import FhirResponseError

JsonObject = Mapping[str, Any]


class Resource:
    """A FHIR resource read from the server.

    Attributes:
        resource_type: ``resourceType`` of the resource.
        id: The logical id (may be empty only for resources not yet stored).
        data: The resource as parsed JSON. Treat it as read-only.
    """

    __slots__ = ("data", "id", "resource_type")

    def __init__(self, data: JsonObject) -> None:
        resource_type = data.get("resourceType")
        rid = data.get("id", "")
        if not isinstance(resource_type, str) or not resource_type or not isinstance(rid, str):
            raise FhirResponseError("upstream returned something that is not a FHIR resource")
        self.data = data
        self.resource_type = resource_type
        self.id = rid

    @property
    def reference(self) -> str:
        """The relative reference ``Type/id``."""
        return f"{self.resource_type}/{self.id}"

    @property
    def version_id(self) -> str | None:
        """``meta.versionId``, if the server sent one."""
        meta = self.data.get("meta")
        if isinstance(meta, Mapping):
            version = meta.get("versionId")
            if isinstance(version, str):
                return version
        return None

    def get(self, key: str, default: Any = None) -> Any:
        """Return the top-level element ``key``, or ``default``."""
        return self.data.get(key, default)

    def __repr__(self) -> str:
        # Never the content: it is PHI.
        return f"<Resource {self.resource_type}/{self.id}>"
