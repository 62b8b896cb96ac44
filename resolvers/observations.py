"""Observations (lab results, vital signs, ...) as plain values, and the ``observations`` list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from fhir_client import Resource

from . import datatypes as dt
from .references import Performed, References
from .release import released
from .values import objects, string

PrimitiveKind = Literal["string", "boolean", "integer", "time", "dateTime"]


@dataclass(frozen=True, slots=True)
class PrimitiveValue:
    """``valueString``, ``valueBoolean``, ``valueInteger``, ``valueTime`` or ``valueDateTime``."""

    kind: PrimitiveKind
    value: str | bool | int


ValueX = (
    dt.QuantityValue
    | dt.CodeableConceptValue
    | dt.RangeValue
    | dt.RatioValue
    | dt.SampledDataValue
    | dt.PeriodValue
    | PrimitiveValue
)


@dataclass(frozen=True, slots=True)
class ComponentValue:
    code: dt.CodeableConceptValue | None
    value: ValueX | None
    data_absent_reason: dt.CodeableConceptValue | None
    interpretation: tuple[dt.CodeableConceptValue, ...]
    reference_range: tuple[dt.ReferenceRangeValue, ...]


@dataclass(frozen=True, slots=True)
class ObservationValue(Performed):
    id: str
    status: str
    category: tuple[dt.CodeableConceptValue, ...]
    code: dt.CodeableConceptValue | None
    value: ValueX | None
    data_absent_reason: dt.CodeableConceptValue | None
    interpretation: tuple[dt.CodeableConceptValue, ...]
    reference_range: tuple[dt.ReferenceRangeValue, ...]
    components: tuple[ComponentValue, ...]
    effective_date_time: str | None
    effective_period: dt.PeriodValue | None
    issued: str | None
    performer_refs: tuple[str, ...]
    refs: References


_COMPLEX: dict[str, Any] = {
    "valueQuantity": dt.quantity,
    "valueCodeableConcept": dt.concept,
    "valueRange": dt.range_,
    "valueRatio": dt.ratio,
    "valueSampledData": dt.sampled_data,
    "valuePeriod": dt.period,
}
_PRIMITIVE: dict[str, tuple[PrimitiveKind, type]] = {
    "valueString": ("string", str),
    "valueBoolean": ("boolean", bool),
    "valueInteger": ("integer", int),
    "valueTime": ("time", str),
    "valueDateTime": ("dateTime", str),
}


def value_x(element: Mapping[str, Any]) -> ValueX | None:
    """The ``value[x]`` of an Observation or component, whichever of the R4 kinds it is."""
    for name, reader in _COMPLEX.items():
        if name in element:
            read: ValueX | None = reader(element[name])
            return read
    for name, (kind, type_) in _PRIMITIVE.items():
        raw = element.get(name)
        if isinstance(raw, type_) and (type_ is bool or not isinstance(raw, bool)):
            return PrimitiveValue(kind, cast("str | bool | int", raw))
    return None


def observation_value(resource: Resource, refs: References) -> ObservationValue | None:
    """The Observation as shown, or ``None`` when the release rule keeps it back."""
    status = resource.get("status")
    if not released(resource) or not isinstance(status, str):
        return None
    components = tuple(
        ComponentValue(
            code=dt.concept(item.get("code")),
            value=value_x(item),
            data_absent_reason=dt.concept(item.get("dataAbsentReason")),
            interpretation=dt.concepts(item.get("interpretation")),
            reference_range=dt.reference_ranges(item.get("referenceRange")),
        )
        for item in objects(resource.get("component"))
    )
    effective = resource.get("effectiveDateTime") or resource.get("effectiveInstant")
    return ObservationValue(
        id=resource.id,
        status=status,
        category=dt.concepts(resource.get("category")),
        code=dt.concept(resource.get("code")),
        value=value_x(resource.data),
        data_absent_reason=dt.concept(resource.get("dataAbsentReason")),
        interpretation=dt.concepts(resource.get("interpretation")),
        reference_range=dt.reference_ranges(resource.get("referenceRange")),
        components=components,
        effective_date_time=effective if isinstance(effective, str) else None,
        effective_period=dt.period(resource.get("effectivePeriod")),
        issued=string(resource.get("issued")),
        performer_refs=dt.references(resource.get("performer")),
        refs=refs,
    )
