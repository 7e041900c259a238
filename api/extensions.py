"""Limits on what one GraphQL request may ask for, so a single caller cannot tie up the server."""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.extensions.query_depth_limiter import IgnoreContext
from strawberry.types.graphql import OperationType

from api.errors import BAD_INPUT
from domain.settings import Settings

MAX_ALIASES = 30


def is_introspection(field: IgnoreContext) -> bool:
    """GraphiQL's own schema query nests `ofType` deeper than any real query needs; the token cap still bounds it."""
    return field.field_name.startswith("__")


def limits(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Fresh limiter instances per operation (Strawberry calls each factory once per request)."""
    return [
        partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
        partial(QueryDepthLimiter, max_depth=settings.max_query_depth, should_ignore=is_introspection),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        SubscriptionsOnlyOverWebsockets,
    ]


class SubscriptionsOnlyOverWebsockets(SchemaExtension):
    """A subscription POSTed as plain HTTP would run once and answer null: say where it belongs instead."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        request = getattr(context.context, "request", None)
        if context.operation_type is OperationType.SUBSCRIPTION and not isinstance(request, WebSocket):
            context.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(
                "subscriptions run over websockets: connect to /graphql with the graphql-transport-ws protocol",
                extensions={"code": BAD_INPUT, "field": None},
            )])
        yield
