"""FHIR R4 general-purpose data types as plain values (Coding, CodeableConcept, Quantity, Range, ...).

Read defensively: an element of the wrong shape reads as ``None`` (or is skipped in a list).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .values import objects, string


@dataclass(frozen=True, slots=True)
class CodingValue:
    system: str | None
    code: str | None
    display: str | None


@dataclass(frozen=True, slots=True)
class CodeableConceptValue:
    coding: tuple[CodingValue, ...]
    text: str | None


@dataclass(frozen=True, slots=True)
class QuantityValue:
    value: Decimal | None
    comparator: str | None
    unit: str | None
    system: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class RangeValue:
    low: QuantityValue | None
    high: QuantityValue | None


@dataclass(frozen=True, slots=True)
class RatioValue:
    numerator: QuantityValue | None
    denominator: QuantityValue | None


@dataclass(frozen=True, slots=True)
class PeriodValue:
    start: str | None
    end: str | None


@dataclass(frozen=True, slots=True)
class SampledDataValue:
    """A summary of SampledData: the shape of the series, not the samples themselves."""

    origin: QuantityValue | None
    period: Decimal | None
    factor: Decimal | None
    dimensions: int | None
    sample_count: int


@dataclass(frozen=True, slots=True)
class ReferenceRangeValue:
    low: QuantityValue | None
    high: QuantityValue | None
    type: CodeableConceptValue | None
    applies_to: tuple[CodeableConceptValue, ...]
    age: RangeValue | None
    text: str | None


@dataclass(frozen=True, slots=True)
class AttachmentValue:
    """An attachment's link and labels (``url``, ``contentType``, ``title``), never inline ``data``."""

    url: str | None
    content_type: str | None
    title: str | None


def decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def coding(value: Any) -> CodingValue | None:
    if not isinstance(value, Mapping):
        return None
    return CodingValue(string(value.get("system")), string(value.get("code")), string(value.get("display")))


def codings(value: Any) -> tuple[CodingValue, ...]:
    return tuple(c for item in objects(value) if (c := coding(item)) is not None)


def concept(value: Any) -> CodeableConceptValue | None:
    if not isinstance(value, Mapping):
        return None
    return CodeableConceptValue(codings(value.get("coding")), string(value.get("text")))


def concepts(value: Any) -> tuple[CodeableConceptValue, ...]:
    return tuple(c for item in objects(value) if (c := concept(item)) is not None)


def quantity(value: Any) -> QuantityValue | None:
    if not isinstance(value, Mapping):
        return None
    return QuantityValue(
        value=decimal(value.get("value")),
        comparator=string(value.get("comparator")),
        unit=string(value.get("unit")),
        system=string(value.get("system")),
        code=string(value.get("code")),
    )


def range_(value: Any) -> RangeValue | None:
    if not isinstance(value, Mapping):
        return None
    return RangeValue(quantity(value.get("low")), quantity(value.get("high")))


def ratio(value: Any) -> RatioValue | None:
    if not isinstance(value, Mapping):
        return None
    return RatioValue(quantity(value.get("numerator")), quantity(value.get("denominator")))


def period(value: Any) -> PeriodValue | None:
    if not isinstance(value, Mapping):
        return None
    return PeriodValue(string(value.get("start")), string(value.get("end")))


def sampled_data(value: Any) -> SampledDataValue | None:
    if not isinstance(value, Mapping):
        return None
    data = string(value.get("data")) or ""
    return SampledDataValue(
        origin=quantity(value.get("origin")),
        period=decimal(value.get("period")),
        factor=decimal(value.get("factor")),
        dimensions=integer(value.get("dimensions")),
        sample_count=len(data.split()),
    )


def reference_ranges(value: Any) -> tuple[ReferenceRangeValue, ...]:
    return tuple(
        ReferenceRangeValue(
            low=quantity(item.get("low")),
            high=quantity(item.get("high")),
            type=concept(item.get("type")),
            applies_to=concepts(item.get("appliesTo")),
            age=range_(item.get("age")),
            text=string(item.get("text")),
        )
        for item in objects(value)
    )


def attachments(value: Any) -> tuple[AttachmentValue, ...]:
    return tuple(
        AttachmentValue(string(item.get("url")), string(item.get("contentType")), string(item.get("title")))
        for item in objects(value)
    )


def references(value: Any) -> tuple[str, ...]:
    """The literal ``reference`` strings of a Reference or a list of them."""
    items = [value] if isinstance(value, Mapping) else list(objects(value))
    return tuple(ref for item in items if (ref := string(item.get("reference"))) is not None)
