"""Queue the request's audit notes before its answer leaves (the notes are made by the guard)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import GraphQLError
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension

from resolvers.context import RequestContext
from resolvers.errors import ErrorCode

log = logging.getLogger("gateway.audit")


class AuditFlush(SchemaExtension):
    """After execution, put the operation's audit notes on the durable queue.

    When Redis cannot take them, the answer is withheld (UPSTREAM_UNAVAILABLE, no data): no PHI leaves the
    gateway without its access on record.
    """

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, RequestContext):
            return
        try:
            await context.audit.flush()
        except (RedisError, OSError) as exc:
            log.error("audit queue unavailable", extra={"error_class": type(exc).__name__})
            error = GraphQLError(
                "The portal cannot record access right now. Please try again later.",
                extensions={"code": ErrorCode.UPSTREAM_UNAVAILABLE.value},
            )
            result = self.execution_context.result
            if result is None:  # nothing ran: nothing to withhold
                return
            # In place: Strawberry returns this same object (as PublicErrors changes its errors in place).
            result.data = None
            result.errors = [error]
