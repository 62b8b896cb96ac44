"""Plain values read defensively out of FHIR JSON.

Upstream data can be malformed; every reader here returns ``None`` or skips an element of the wrong shape
instead of failing the whole request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# FHIR R4 "date": YYYY, YYYY-MM or YYYY-MM-DD (http://hl7.org/fhir/R4/datatypes.html#date).
_FHIR_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


@dataclass(frozen=True, slots=True)
class HumanNameValue:
    use: str | None
    text: str | None
    family: str | None
    given: tuple[str, ...]
    prefix: tuple[str, ...]
    suffix: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IdentifierValue:
    use: str | None
    system: str | None
    value: str | None
    type_text: str | None


def string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def objects(value: Any) -> Iterator[Mapping[str, Any]]:
    """The elements of a repeating complex element that are JSON objects."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping):
                yield item


def fhir_date(value: Any) -> str | None:
    return value if isinstance(value, str) and _FHIR_DATE.match(value) else None


def human_names(value: Any) -> tuple[HumanNameValue, ...]:
    return tuple(
        HumanNameValue(
            use=string(name.get("use")),
            text=string(name.get("text")),
            family=string(name.get("family")),
            given=strings(name.get("given")),
            prefix=strings(name.get("prefix")),
            suffix=strings(name.get("suffix")),
        )
        for name in objects(value)
    )


def identifiers(value: Any) -> tuple[IdentifierValue, ...]:
    result = []
    for identifier in objects(value):
        type_ = identifier.get("type")
        type_text = string(type_.get("text")) if isinstance(type_, Mapping) else None
        result.append(
            IdentifierValue(
                use=string(identifier.get("use")),
                system=string(identifier.get("system")),
                value=string(identifier.get("value")),
                type_text=type_text,
            )
        )
    return tuple(result)
