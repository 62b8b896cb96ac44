"""The release rule's search names every status that is not shown, for both result types."""

from __future__ import annotations

from fhir_client import Resource
from resolvers import release

# R4 value sets: DiagnosticReportStatus and ObservationStatus.
REPORT_STATUSES = {
    "registered",
    "partial",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "appended",
    "cancelled",
    "entered-in-error",
    "unknown",
}
OBSERVATION_STATUSES = {
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
}


def test_released_and_withheld_partition_every_status() -> None:
    statuses = REPORT_STATUSES | OBSERVATION_STATUSES
    assert set(release.RELEASED) | set(release.WITHHELD) == statuses
    assert not set(release.RELEASED) & set(release.WITHHELD)


def test_the_search_excludes_the_withheld_statuses_and_the_hold() -> None:
    params = release.search_params()
    assert set(params) == {"status:not", "_tag:not"}
    for status in release.WITHHELD:
        assert not release.released(Resource({"resourceType": "Observation", "id": "o", "status": status}))
