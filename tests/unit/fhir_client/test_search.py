"""Search parameters: repeats (AND), comma-joined values (OR), modifiers, prefixes, and the shaping rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from fhir_client import AnyOf, Prefixed, ge, gt, le, lt
from fhir_client._search import encode_search


def test_values_repeats_and_any_of() -> None:
    pairs = encode_search(
        {
            "patient": "p1",
            "code": AnyOf("http://loinc.org|2339-0", "http://loinc.org|718-7"),
            "date": [ge(date(2024, 1, 1)), lt(date(2025, 1, 1))],
            "code:text": "glucose",
            "value-quantity": gt(Decimal("5.5")),
            "_lastUpdated": le(datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
            "status:not": AnyOf("cancelled", "entered-in-error"),
            "active": True,
            "subject:Patient.name": "Doe",
            "number": Prefixed("ap", 3),
        },
        count=20,
    )
    assert pairs == (
        ("patient", "p1"),
        ("code", "http://loinc.org|2339-0,http://loinc.org|718-7"),
        ("date", "ge2024-01-01"),
        ("date", "lt2025-01-01"),
        ("code:text", "glucose"),
        ("value-quantity", "gt5.5"),
        ("_lastUpdated", "le2024-05-01T12:00:00+00:00"),
        ("status:not", "cancelled,entered-in-error"),
        ("active", "true"),
        ("subject:Patient.name", "Doe"),
        ("number", "ap3"),
        ("_count", "20"),
    )


def test_commas_in_a_value_are_escaped_not_or() -> None:
    pairs = encode_search({"name": "Doe, Jr", "x": AnyOf("a,b", "c\\d")}, count=5)
    assert pairs[:2] == (("name", "Doe\\, Jr"), ("x", "a\\,b,c\\\\d"))


def test_shaping_parameters() -> None:
    pairs = encode_search(
        {"patient": "p1"},
        count=50,
        total=True,
        elements=["status", "code"],
        include=["Observation:performer"],
        revinclude=["Provenance:target:Observation"],
        sort=["-date", "code"],
    )
    assert dict(pairs) == {
        "patient": "p1",
        "_include": "Observation:performer",
        "_revinclude": "Provenance:target:Observation",
        "_sort": "-date,code",
        "_elements": "status,code",
        "_total": "accurate",
        "_count": "50",
    }


def test_no_total_unless_asked() -> None:
    assert "_total" not in dict(encode_search({}, count=20))


@pytest.mark.parametrize("name", ["_count", "_total", "_include", "_elements", "a&b", "a=b", "", "x y"])
def test_shaping_or_malformed_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        encode_search({name: "1"}, count=20)


@pytest.mark.parametrize(
    "value",
    [datetime(2024, 1, 1), float("nan"), float("inf")],
)
def test_ambiguous_values_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        encode_search({"date": value}, count=20)  # type: ignore[dict-item]


def test_reverse_chains_are_names() -> None:
    pairs = encode_search({"_has:Communication:part-of:recipient": "Patient/p1"}, count=None)
    assert pairs == (("_has:Communication:part-of:recipient", "Patient/p1"),)
    for name in ("_has:Communication:part-of:", "_has:Com&x:part-of:status"):
        with pytest.raises(ValueError):
            encode_search({name: "1"}, count=None)


def test_malformed_include_is_refused() -> None:
    with pytest.raises(ValueError):
        encode_search({}, count=20, include=["Observation:performer&x=1"])


async def test_count_default_and_cap(fake) -> None:
    client = fake.client(lambda request: fake.json(fake.searchset()))
    await client.search("Observation")
    await client.search("Observation", count=1000)
    await client.search("Observation", count=0)
    counts = [dict(parse_qsl(request.url.query.decode()))["_count"] for request in fake.requests]
    assert counts == ["20", "100", "0"]
    with pytest.raises(ValueError):
        await client.search("Observation", count=-1)


async def test_repeated_parameters_reach_the_wire(fake) -> None:
    client = fake.client(lambda request: fake.json(fake.searchset()))
    await client.search("Observation", {"date": [ge(date(2024, 1, 1)), lt(date(2025, 1, 1))]})
    assert fake.requests[0].url.params.get_list("date") == ["ge2024-01-01", "lt2025-01-01"]


async def test_total_only_when_asked(fake) -> None:
    client = fake.client(lambda request: fake.json(fake.searchset(total=7)))
    assert (await client.search("Observation")).total is None
    assert (await client.search("Observation", total=True)).total == 7
