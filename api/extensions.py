"""Limits on what one GraphQL request may ask for, so a single caller cannot tie up the server."""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, SchemaExtension, ValidationCache
from strawberry.extensions.max_aliases import create_validator as create_alias_rule
from strawberry.extensions.query_depth_limiter import IgnoreContext
from strawberry.extensions.query_depth_limiter import create_validator as create_depth_rule
from strawberry.types.graphql import OperationType

from api.errors import BAD_INPUT
from domain.settings import Settings

MAX_ALIASES = 30
DOCUMENT_CACHE = 1024  # distinct query texts kept parsed and validated


def is_introspection(field: IgnoreContext) -> bool:
    """GraphiQL's own schema query nests `ofType` deeper than any real query needs; the token cap still bounds it."""
    return field.field_name.startswith("__")


def limits(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Fresh limiter instances per operation (Strawberry calls each factory once per request).

    The depth and alias rules are built once, so a document met before (clients send the
    same few) is parsed and validated once: validating against the whole schema costs
    more than answering most queries. Both caches are bounded and keyed by the document,
    the token cap and the rules, so a cached answer is the one validation would give.
    """
    rules = [
        create_depth_rule(settings.max_query_depth, is_introspection),
        create_alias_rule(MAX_ALIASES),
    ]
    return [
        partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
        partial(CachedParse, maxsize=DOCUMENT_CACHE),
        partial(AddValidationRules, rules),
        partial(ValidationCache, maxsize=DOCUMENT_CACHE),
        SubscriptionsOnlyOverWebsockets,
    ]


class CachedParse(ParserCache):
    """Strawberry's ParserCache, but a document that does not parse is left to Strawberry's own
    parse, which answers it as a syntax error (raised from this hook, it would escape unnamed)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        except GraphQLError:
            pass
        yield


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
