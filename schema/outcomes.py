"""Mutation results: the one way a resolver's plain value becomes a GraphQL result type.

Every mutation resolver returns a plain value (an ``auth.results`` dataclass, a ``resolvers.problems`` value
or a feature's own), possibly in an ``Outcome`` that says which session token the body may show. Each GraphQL
result type names the value classes it presents with ``@presents(...)``; ``present(value)`` finds the type
and builds it: fields of the same name are copied (tuples become lists), ``token`` comes only from the
``Outcome``, and a type with differently shaped fields overrides ``from_value``. Expected failures implement
``Problem`` (``message`` and a stable ``code``; the codes are in ``resolvers/errors.py``).

Every mutation that takes an ``idempotencyKey`` has ``IdempotencyKeyReused`` in its union (a schema test
checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry

from resolvers.account import Outcome
from resolvers.errors import ProblemCode as ProblemCodeValue
from resolvers.problems import IdempotencyKeyReused as IdempotencyKeyReusedValue
from resolvers.problems import NotPermitted as NotPermittedValue

T = TypeVar("T", bound=type)

IdempotencyKey = Annotated[
    str,
    strawberry.argument(
        description=(
            "A key of your own for this request (8 to 64 of A-Z a-z 0-9 _ -), new for each new request. "
            "Retrying with the same key returns the first result and changes nothing again."
        )
    ),
]

ProblemCode = strawberry.enum(
    ProblemCodeValue, name="ProblemCode", description="Stable codes of the expected failures."
)

_TYPES: dict[type, type] = {}


@strawberry.interface(description="An expected failure of a mutation: show `message`; branch on `code`.")
class Problem:
    message: str
    code: ProblemCode  # type: ignore[valid-type]


class Presented:
    """Base of result types: builds itself from a plain value (override ``from_value`` when shapes differ)."""

    @classmethod
    def from_value(cls, value: Any, token: str | None) -> Any:
        """The GraphQL object for ``value``; ``token`` is the session token the body may show, if any."""
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        names = {field.python_name for field in definition.fields}
        values = {
            name: _plain(getattr(value, name)) for name in names - {"code", "token"} if hasattr(value, name)
        }
        if "token" in names:
            values["token"] = token
        return cls(**values)


def presents(*value_types: type) -> Callable[[T], T]:
    """Class decorator: the GraphQL result type presents values of ``value_types``."""

    def register(cls: T) -> T:
        for value_type in value_types:
            if value_type in _TYPES:
                raise TypeError(
                    f"{value_type.__name__} is presented by {_TYPES[value_type].__name__} already"
                )
            _TYPES[value_type] = cls
        return cls

    return register


def present(value: object) -> Any:
    """The GraphQL result object for a resolver's value (or ``Outcome``).

    Raises:
        TypeError: No result type presents the value's class (a programming error).
    """
    token: str | None = None
    if isinstance(value, Outcome):
        token, value = value.token, value.result
    result_type = _TYPES.get(type(value))
    if result_type is None:
        raise TypeError(f"no GraphQL result type presents {type(value).__name__}")
    return result_type.from_value(value, token)  # type: ignore[attr-defined]


def presented_types() -> dict[type, type]:
    """Value class -> GraphQL type, for the test that every union member can be produced."""
    return dict(_TYPES)


@strawberry.type(
    description="Not allowed: the access level, the practice's rules or the record's state do not permit it."
)
@presents(NotPermittedValue)
class NotPermitted(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCodeValue.NOT_PERMITTED  # type: ignore[valid-type]


@strawberry.type(description="The idempotency key was used before for another request; nothing was done.")
@presents(IdempotencyKeyReusedValue)
class IdempotencyKeyReused(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCodeValue.IDEMPOTENCY_KEY_REUSED  # type: ignore[valid-type]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
