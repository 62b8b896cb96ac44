"""The FHIR shapes of proxy access: what the builders write, the readers read back, and what they refuse."""

from __future__ import annotations

from datetime import date

import pytest

from access import Grant, Level, restricted, shapes
from access.dates import date_range
from access.scope import _maybe_teen, _parental_grant_holds
from fhir_client import Resource

TODAY = date(2026, 12, 2)


def test_the_builders_write_what_the_readers_read() -> None:
    related = shapes.related_person(patient_id="p1", relationship="SPS", start=TODAY, resource_id="rp1")
    consent = shapes.proxy_consent(patient_id="p1", actor="RelatedPerson/rp1", level="READ_ONLY", start=TODAY)
    person = shapes.person(resource_id="per1", patient_id="self", related_person_ids=["rp1"])
    assert shapes.relationship(related) == ("SPS", None)
    assert shapes.actor_ids(consent) == ["rp1"] and shapes.level_of(consent) == "READ_ONLY"
    assert shapes.link_ids(person, "RelatedPerson") == ["rp1"] and shapes.link_ids(person, "Patient") == [
        "self"
    ]
    assert shapes.with_link(person, "rp1") is None
    linked = shapes.with_link(person, "rp2")
    assert linked is not None and shapes.link_ids(linked, "RelatedPerson") == ["rp1", "rp2"]
    ended = shapes.ended_consent(consent, TODAY)
    assert ended["status"] == "inactive" and ended["provision"]["period"]["end"] == TODAY.isoformat()
    assert shapes.ended_related_person(related, TODAY)["active"] is False


def test_only_proxy_levels_can_be_granted() -> None:
    with pytest.raises(ValueError, match="not a proxy level"):
        shapes.proxy_consent(patient_id="p", actor="RelatedPerson/x", level="SELF", start=TODAY)


def test_a_relationship_counts_only_in_the_role_code_system() -> None:
    foreign = {"relationship": [{"coding": [{"system": "urn:other", "code": "MTH"}, {"code": "FTH"}]}]}
    assert shapes.relationship(foreign) == (None, None)
    mixed = {
        "relationship": [
            {"coding": [{"system": "urn:other", "code": "X"}, {"system": shapes.ROLE_CODE, "code": "MTH"}]}
        ]
    }
    assert shapes.relationship(mixed) == ("MTH", None)


def test_a_level_counts_only_in_the_proxy_access_system() -> None:
    consent = shapes.proxy_consent(patient_id="p", actor="RelatedPerson/x", level="READ_ONLY", start=TODAY)
    consent["provision"]["action"] = [{"coding": [{"system": "urn:other", "code": "SCHEDULING_MESSAGING"}]}]
    assert shapes.level_of(consent) is None


@pytest.mark.parametrize(
    "system",
    [
        "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
        "http://hl7.org/fhir/v3/Confidentiality",
        "urn:oid:2.16.840.1.113883.5.25",
    ],
)
def test_restricted_labels_count_in_every_spelling_of_their_system(system: str) -> None:
    assert restricted(
        Resource({"resourceType": "Condition", "meta": {"security": [{"system": system, "code": "R"}]}})
    )
    assert not restricted(
        Resource({"resourceType": "Condition", "meta": {"security": [{"system": system, "code": "N"}]}})
    )


def test_partial_birth_dates_fail_closed() -> None:
    # Born "2008": may have turned 18 on any day of 2026, so a parental grant needs renewal after 2026-12-31.
    born = date_range("2008")
    assert not _parental_grant_holds(born, {"start": "2026-06-01"}, TODAY)
    assert _parental_grant_holds(born, {"start": "2027-01-01"}, date(2027, 1, 2))
    assert not _parental_grant_holds(None, {"start": "2020-01-01"}, TODAY)  # no birth date: may be an adult
    assert _parental_grant_holds(date_range("2015-05-05"), {"start": "2016-01-01"}, TODAY)  # a child
    # The teen rule applies when any reading of the birth date makes the patient 12 to 17.
    assert _maybe_teen(date_range("2014"), TODAY, 12)  # 11 or 12
    assert not _maybe_teen(date_range("2016-01"), TODAY, 12)  # 10
    assert _maybe_teen(None, TODAY, 12)


def test_grants_carry_their_level_capabilities() -> None:
    assert Grant("p", Level.SELF).is_proxy is False and Grant("p", Level.READ_ONLY).is_proxy


def test_a_grant_names_who_acts_the_proxy_through_its_related_person() -> None:
    assert Grant("p", Level.SELF).actor == "Patient/p"
    assert Grant("p", Level.SCHEDULING_MESSAGING, related_person_id="rp").actor == "RelatedPerson/rp"
