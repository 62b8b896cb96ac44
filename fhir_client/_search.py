r"""Typed FHIR search parameters and their encoding (https://hl7.org/fhir/R4/search.html).

A search is a mapping from parameter name to value:

- a single value: ``{"patient": "123"}`` -> ``patient=123``;
- a list or tuple: the parameter repeated, which FHIR reads as AND:
  ``{"date": [ge(date(2024, 1, 1)), lt(date(2025, 1, 1))]}`` -> ``date=ge2024-01-01&date=lt2025-01-01``;
- :class:`AnyOf`: one comma-joined value, which FHIR reads as OR:
  ``{"code": AnyOf("a", "b")}`` -> ``code=a,b``;
- modifiers and chains belong to the name: ``{"code:text": "glucose"}``, ``{"subject:Patient.name": "x"}``;
- reverse chains too: ``{"_has:Communication:part-of:recipient": "Patient/1"}`` (resources that a
  Communication names in ``part-of`` and whose ``recipient`` is ``Patient/1``).

Commas and backslashes inside a value are escaped (``\,``, ``\\``), so a value can never turn into an OR
by accident; ``|`` (token ``system|code``) is left alone. Paging and result-shaping parameters
(``_count``, ``_total``, ``_elements``, ``_include``, ``_revinclude``, ``_sort``) are keyword arguments of
``search`` so the client can enforce its rules for them; passing them here is an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, TypedDict

Scalar = str | int | float | Decimal | bool | date
Prefix = Literal["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z0-9_\-.]+)?(?:\.[A-Za-z0-9_\-:]+)*$")
# _has:<type>:<reference param>[:<type>:<reference param>...]:<param>
_HAS = re.compile(r"^_has(?::[A-Za-z]+:[A-Za-z0-9_\-]+)+:[A-Za-z0-9_\-.]+$")
_ELEMENT = re.compile(r"^_?[A-Za-z][A-Za-z0-9_\-.]*$")  # _sort also takes _id, _lastUpdated
_INCLUDE = re.compile(r"^[A-Za-z]+:[A-Za-z0-9_\-]+(?::[A-Za-z]+)?$")
_SHAPING = frozenset(
    {"_count", "_total", "_elements", "_include", "_revinclude", "_sort", "_getpages", "_format"}
)


@dataclass(frozen=True, slots=True, init=False)
class AnyOf:
    """Values joined by commas into one parameter: the search matches any of them (OR)."""

    values: tuple[Scalar | Prefixed, ...]

    def __init__(self, *values: Scalar | Prefixed) -> None:
        if not values:
            raise ValueError("AnyOf needs at least one value")
        object.__setattr__(self, "values", values)


@dataclass(frozen=True, slots=True)
class Prefixed:
    """A value with a comparison prefix for number, date and quantity parameters (``ge2024-01-01``)."""

    prefix: Prefix
    value: Scalar


def ge(value: Scalar) -> Prefixed:
    """``ge<value>``: greater than or equal."""
    return Prefixed("ge", value)


def gt(value: Scalar) -> Prefixed:
    """``gt<value>``: greater than."""
    return Prefixed("gt", value)


def le(value: Scalar) -> Prefixed:
    """``le<value>``: less than or equal."""
    return Prefixed("le", value)


def lt(value: Scalar) -> Prefixed:
    """``lt<value>``: less than."""
    return Prefixed("lt", value)


ParamValue = Scalar | Prefixed | AnyOf
SearchParams = Mapping[str, ParamValue | Sequence[ParamValue]]


class SearchOptions(TypedDict, total=False):
    """How a search's results are shaped: the keyword arguments of ``FhirClient.search``.

    Attributes:
        count: Page size; default ``ClientOptions.default_count``, capped at ``ClientOptions.max_count``.
        total: Ask the server to count all matches (``_total=accurate``); costs the server a query.
        elements: Only these top-level elements (``_elements``); modifier elements come anyway.
        include: ``_include`` values, e.g. ``["Observation:performer"]``.
        revinclude: ``_revinclude`` values, e.g. ``["Provenance:target"]``.
        include_iterate: ``_include:iterate`` values, applied to included resources too (a second hop).
        revinclude_iterate: ``_revinclude:iterate`` values, likewise.
        sort: ``_sort`` keys, ``-`` for descending, e.g. ``["-date"]``.
    """

    count: int | None
    total: bool
    elements: Iterable[str]
    include: Iterable[str]
    revinclude: Iterable[str]
    include_iterate: Iterable[str]
    revinclude_iterate: Iterable[str]
    sort: Iterable[str]


def encode_search(
    params: SearchParams | None,
    *,
    count: int | None,
    total: bool = False,
    elements: Iterable[str] = (),
    include: Iterable[str] = (),
    revinclude: Iterable[str] = (),
    include_iterate: Iterable[str] = (),
    revinclude_iterate: Iterable[str] = (),
    sort: Iterable[str] = (),
) -> tuple[tuple[str, str], ...]:
    """Encode a search as ordered query pairs.

    Args:
        params: The search parameters.
        count: The page size, already capped by the client; ``None`` for criteria that are not a search
            of their own (``If-None-Exist``).
        total: Ask for ``Bundle.total`` (``_total=accurate``); off by default because counting costs the
            server a second query.
        elements: ``_elements``: the top-level elements to return (mandatory ones always come).
        include: ``_include`` values, e.g. ``"Observation:performer"``.
        revinclude: ``_revinclude`` values, e.g. ``"Provenance:target"``.
        include_iterate: ``_include:iterate`` values (a second hop from included resources).
        revinclude_iterate: ``_revinclude:iterate`` values.
        sort: ``_sort`` keys, ``-`` for descending, e.g. ``["-date"]``.

    Returns:
        ``(name, value)`` pairs in a stable order.

    Raises:
        ValueError: A malformed name or value, or a shaping parameter passed in ``params``.
    """
    pairs: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        if not (_NAME.match(name) or _HAS.match(name)) or name.split(":")[0] in _SHAPING:
            raise ValueError(f"not a search parameter name here: {name!r}")
        values = value if isinstance(value, list | tuple) else (value,)
        pairs.extend((name, _encode(item)) for item in values)
    for key, items, pattern in (
        ("_include", include, _INCLUDE),
        ("_revinclude", revinclude, _INCLUDE),
        ("_include:iterate", include_iterate, _INCLUDE),
        ("_revinclude:iterate", revinclude_iterate, _INCLUDE),
    ):
        pairs.extend((key, _checked(item, pattern)) for item in items)
    sort_keys = list(sort)
    for key in sort_keys:
        _checked(key.removeprefix("-"), _ELEMENT)
    if sort_keys:
        pairs.append(("_sort", ",".join(sort_keys)))
    element_names = [_checked(element, _ELEMENT) for element in elements]
    if element_names:
        pairs.append(("_elements", ",".join(element_names)))
    if total:
        pairs.append(("_total", "accurate"))
    if count is not None:
        pairs.append(("_count", str(count)))
    return tuple(pairs)


def _checked(text: str, pattern: re.Pattern[str]) -> str:
    if not pattern.match(text):
        raise ValueError(f"malformed search argument: {text!r}")
    return text


def _encode(value: ParamValue) -> str:
    if isinstance(value, AnyOf):
        return ",".join(_encode(item) for item in value.values)
    if isinstance(value, Prefixed):
        return value.prefix + _scalar(value.value)
    return _scalar(value)


def _scalar(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a dateTime search value needs a time zone")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        if not math.isfinite(value):
            raise ValueError("a number search value must be finite")
        return str(value)
    if isinstance(value, int):
        return str(value)
    return value.replace("\\", "\\\\").replace(",", "\\,")


__all__ = [
    "AnyOf",
    "ParamValue",
    "Prefix",
    "Prefixed",
    "Scalar",
    "SearchOptions",
    "SearchParams",
    "encode_search",
    "ge",
    "gt",
    "le",
    "lt",
]
