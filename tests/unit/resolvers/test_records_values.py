"""Readers of the records and results (no servers): malformed FHIR, value[x], release rule, paging."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fhir_client import Resource
from resolvers import datatypes as dt
from resolvers.cursors import CursorCodec
from resolvers.errors import BadUserInput
from resolvers.observations import PrimitiveValue, value_x
from resolvers.paging import ListSpec, Position, check_first, decode_after
from resolvers.release import released
from resolvers.results import OBSERVATIONS, RESULTS, Filters

KEY = b"k" * 32


def test_readers_skip_what_has_the_wrong_shape() -> None:
    assert dt.quantity({"value": "NaN"}) == dt.QuantityValue(None, None, None, None, None)
    assert dt.quantity({"value": True, "unit": 3}) == dt.QuantityValue(None, None, None, None, None)
    assert dt.quantity([]) is None
    assert dt.codings([{"code": "a"}, "x", None]) == (dt.CodingValue(None, "a", None),)
    assert dt.references([{"reference": "Practitioner/a"}, {"display": "b"}, 3]) == ("Practitioner/a",)
    assert dt.sampled_data({"data": "1 2 E 4", "period": "0.5"}) == dt.SampledDataValue(
        None, Decimal("0.5"), None, None, 4
    )
    assert dt.attachments([{"url": "u", "data": "c2VjcmV0", "title": "t"}]) == (
        dt.AttachmentValue("u", None, "t"),
    )


def test_value_x_kinds() -> None:
    assert value_x({"valueBoolean": False}) == PrimitiveValue("boolean", False)
    assert value_x({"valueInteger": True}) is None  # a bool is not an integer
    assert value_x({"valueString": 3}) is None
    assert value_x({"valueRange": {"low": {"value": 1}}}) == dt.RangeValue(
        dt.QuantityValue(Decimal(1), None, None, None, None), None
    )
    assert value_x({}) is None


@pytest.mark.parametrize(
    ("status", "tags", "shown"),
    [
        ("final", [], True),
        ("amended", [], True),
        ("corrected", [], True),
        ("preliminary", [], True),
        ("registered", [], False),
        ("cancelled", [], False),
        ("entered-in-error", [], False),
        ("final", [{"system": "urn:portal-gateway:release-hold", "code": "hold"}], False),
        ("final", [{"system": "other", "code": "hold"}], True),
    ],
)
def test_release_rule(status: str, tags: list[dict[str, str]], shown: bool) -> None:
    resource = Resource(
        {"resourceType": "DiagnosticReport", "id": "r", "status": status, "meta": {"tag": tags}}
    )
    assert released(resource) is shown


def test_paging_arguments() -> None:
    assert check_first(None) == 20
    assert check_first(100) == 100
    for bad in (0, -1, 101, 100_000):
        with pytest.raises(BadUserInput):
            check_first(bad)
    codec = CursorCodec(KEY, "session")
    query = OBSERVATIONS.query(Filters())
    cursor = codec.encode("p", {"l": query.key, "u": None, "s": 2, "t": None})
    assert decode_after(codec, "p", query, cursor) == Position(None, 2, None)
    other = OBSERVATIONS.query(Filters(category="laboratory"))
    for bad_cursor, q in (
        (cursor, other),
        (codec.encode("q", {"l": query.key, "u": None, "s": 2}), query),  # another patient's
        (codec.encode("p", {"l": query.key, "s": -1}), query),
        (codec.encode("p", {"l": query.key, "s": "2"}), query),
        (codec.encode("p", {"l": query.key, "u": 3, "s": 0}), query),
    ):
        with pytest.raises(BadUserInput):
            decode_after(codec, "p", q, bad_cursor)


def test_a_list_key_covers_the_connection_type_filters_sort_and_includes() -> None:
    lab, imaging = (RESULTS.query(Filters(category=c)).key for c in ("LAB", "IMAGING"))
    assert lab != imaging
    assert RESULTS.query(Filters(category="RAD")).key == imaging  # the deprecated name of the same list
    assert RESULTS.query(Filters()).key != OBSERVATIONS.query(Filters()).key
    base = ListSpec("x", "Condition", {"a": "1"}, ("-date",))
    variants = [
        ListSpec("y", "Condition", {"a": "1"}, ("-date",)),
        ListSpec("x", "Observation", {"a": "1"}, ("-date",)),
        ListSpec("x", "Condition", {"a": "2"}, ("-date",)),
        ListSpec("x", "Condition", {"a": "1"}, ("date",)),
        ListSpec("x", "Condition", {"a": "1"}, ("-date",), ("Condition:asserter",)),
    ]
    keys = {spec.query().key for spec in [base, *variants]}
    assert len(keys) == 6
    assert base.query({"b": "2"}).key != base.query().key
    with pytest.raises(ValueError, match="fixed"):
        base.query({"a": "3"})
