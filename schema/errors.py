"""What clients and logs see of errors.

Clients get a message they may show and an ``extensions.code`` (``resolvers/errors.py``); anything unexpected
becomes "Unexpected error." with code INTERNAL. Logs get the error class, the path and the request id, never
the message: messages of unexpected errors can carry PHI from upstream.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext, ExecutionResult

from resolvers.context import RequestContext
from resolvers.errors import ErrorCode, public_error_for

from .secrecy import client_names, hide_schema

logger = logging.getLogger("gateway.graphql")

UNEXPECTED = "Unexpected error."

# Raised by graphql-core or a scalar while coercing the client's own variables: the client's mistake.
_INPUT_ERRORS = (GraphQLError, ValueError, TypeError)


def _is_input_error(error: GraphQLError) -> bool:
    """Errors outside execution (no path) describe the document or variables the client sent."""
    return error.path is None and (
        error.original_error is None or isinstance(error.original_error, _INPUT_ERRORS)
    )


def to_public(error: GraphQLError, hide: Callable[[str], str] | None = None) -> GraphQLError:
    """Rewrite one error into what the client may see.

    Args:
        error: The error as graphql-core or a resolver made it.
        hide: Rewrites the message of an error in the client's document or variables (outside development:
            ``secrecy.hide_schema``).
    """
    extensions: dict[str, Any]
    if _is_input_error(error):
        message = hide(error.message) if hide else error.message
        extensions = {"code": ErrorCode.BAD_USER_INPUT.value}
    else:
        public = public_error_for(error.original_error) if error.original_error else None
        if public is None:
            message, extensions = UNEXPECTED, {"code": ErrorCode.INTERNAL.value}
        else:
            message, extensions = public.message, {"code": public.code.value}
            if public.issues:
                extensions["issues"] = list(public.issues)
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


class PublicErrors(SchemaExtension):
    """Replace every error of the result by its public form (runs after ``process_errors`` logged it).

    Args:
        hide_schema: Strip schema names the client did not send from its validation messages (everywhere
            but development; ``schema.secrecy``).
    """

    def __init__(self, *, hide_schema: bool = False) -> None:
        self.hide_schema = hide_schema

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors:
            hide = self._hider() if self.hide_schema else None
            result.errors = [to_public(error, hide) for error in errors]  # type: ignore[union-attr]

    def _hider(self) -> Callable[[str], str]:
        context = self.execution_context
        named = client_names(context.query, context.variables)
        schema = context.schema
        if not isinstance(schema, PortalSchema):  # pragma: no cover - build_schema makes only PortalSchemas
            return lambda message: message
        types, elements = schema.type_names, schema.element_names
        return lambda message: hide_schema(message, named, types, elements)


class PortalSchema(strawberry.Schema):
    """A Strawberry schema whose error log carries no error messages, and whose answers carry only public
    errors."""

    @cached_property
    def type_names(self) -> frozenset[str]:
        """Every type name of the schema, built-in scalars and introspection types included."""
        return frozenset(self._schema.type_map)

    @cached_property
    def element_names(self) -> frozenset[str]:
        """Every name of the schema: types, fields, their arguments, input fields and enum values."""
        names = set(self.type_names)
        for kind in self._schema.type_map.values():
            for name, member in (getattr(kind, "fields", None) or {}).items():
                names.add(name)
                names.update(getattr(member, "args", None) or {})
            names.update(getattr(kind, "values", None) or {})
        return frozenset(names)

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Execute as Strawberry does; an error that escaped ``PublicErrors`` is made public here.

        Strawberry turns an exception raised inside the operation (a validation rule that crashed, say) into
        an error of the result without running the extensions' closing hooks, so its raw text would reach
        the client. Such an error has no ``code`` yet; it leaves as "Unexpected error." (INTERNAL).
        """
        result = await super().execute(*args, **kwargs)
        if result.errors:
            result.errors = [
                error if (error.extensions or {}).get("code") else to_public(error) for error in result.errors
            ]
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context else None
        request_id = context.request_id if isinstance(context, RequestContext) else None
        for error in errors:
            original = error.original_error
            expected = _is_input_error(error) or (
                original is not None and public_error_for(original) is not None
            )
            if expected:
                logger.info(
                    "graphql error",
                    extra={
                        "request_id": request_id,
                        "error_class": type(original or error).__name__,
                        "path": _path(error),
                    },
                )
                continue
            # Frames only: the exception's message (and so any PHI in it) stays out of the log.
            frames = "".join(traceback.format_tb(original.__traceback__)) if original else ""
            logger.error(
                "unexpected error while resolving",
                extra={
                    "request_id": request_id,
                    "error_class": type(original or error).__name__,
                    "path": _path(error),
                    "frames": frames,
                },
            )


def _path(error: GraphQLError) -> str | None:
    return ".".join(str(part) for part in error.path) if error.path else None
