"""The one place where every failure becomes a GraphQL error with a stable code.

Clients branch on `extensions.code` (and `field` to point at the input), never on
message text; anything we did not name is masked as INTERNAL and logged here, so a
stack trace or a line of SQL never reaches a response.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Iterator
from uuid import UUID

from graphql import GraphQLError, GraphQLSyntaxError
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from domain.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    DeliveryCodeMismatch,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OutOfStock,
    PreconditionFailed,
)

logger = logging.getLogger("peisong.api")

BAD_INPUT = "BAD_INPUT"
NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"
OUT_OF_STOCK = "OUT_OF_STOCK"
INVALID_TRANSITION = "INVALID_TRANSITION"
PRECONDITION_FAILED = "PRECONDITION_FAILED"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
INTERNAL = "INTERNAL"
RATE_LIMITED = "RATE_LIMITED"  # answered with HTTP 429 and Retry-After by api/ratelimit.py

# Most specific first: DeliveryCodeMismatch is a PreconditionFailed.
DOMAIN_CODES: tuple[tuple[type[DomainError], str], ...] = (
    (DeliveryCodeMismatch, PRECONDITION_FAILED),
    (InvalidInput, BAD_INPUT),
    (NotFound, NOT_FOUND),
    (AlreadyExists, CONFLICT),
    (OutOfStock, OUT_OF_STOCK),
    (InvalidTransition, INVALID_TRANSITION),
    (ConcurrencyConflict, CONFLICT),
    (PreconditionFailed, PRECONDITION_FAILED),
)

INTERNAL_MESSAGE = "Something went wrong on our side; it has been logged."


class ApiError(Exception):
    """A refusal made at the edge (authentication, roles, limits) rather than in the domain."""

    def __init__(self, code: str, message: str, *, field: str | None = None, **ids: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.ids = ids


def unauthenticated(message: str = "sign in first: send 'Authorization: Bearer <token>'") -> ApiError:
    return ApiError(UNAUTHENTICATED, message)


def forbidden(message: str, *, field: str | None = None) -> ApiError:
    return ApiError(FORBIDDEN, message, field=field)


def code_of(error: BaseException) -> str | None:
    if isinstance(error, ApiError):
        return error.code
    for kind, code in DOMAIN_CODES:
        if isinstance(error, kind):
            return code
    return None


def jsonable(value: object) -> object:
    """Ids travel in `extensions`, which must be plain JSON."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return str(value)


def coded(error: GraphQLError) -> GraphQLError:
    """The error as the client should see it: named, or masked."""
    original = error.original_error
    if original is not None and (code := code_of(original)) is not None:
        extensions: dict[str, object] = {"code": code, "field": getattr(original, "field", None)}
        ids = getattr(original, "ids", None)
        if ids:
            extensions["ids"] = jsonable(ids)
        return _rebuilt(error, getattr(original, "message", str(original)), extensions)
    if _is_about_the_document(error):
        return _rebuilt(error, error.message, {"code": BAD_INPUT, "field": None})
    logger.error(
        "unexpected error at %s: %s", ".".join(map(str, error.path or ())) or "(operation)", error.message,
        exc_info=original if original is not None else None,
    )
    return GraphQLError(
        INTERNAL_MESSAGE, nodes=error.nodes, source=error.source, positions=error.positions,
        path=error.path, original_error=None, extensions={"code": INTERNAL, "field": None},
    )


def _is_about_the_document(error: GraphQLError) -> bool:
    """Parse, validation and variable errors: the request itself is malformed.

    They carry no resolver path and point at the query text (or are syntax errors);
    an exception from our own code either has a path or no place in the document.
    """
    if isinstance(error, GraphQLSyntaxError) or isinstance(error.original_error, GraphQLSyntaxError):
        return True
    if error.path is not None:
        return False
    return bool(error.nodes) or error.original_error is None


def _rebuilt(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message, nodes=error.nodes, source=error.source, positions=error.positions,
        path=error.path, original_error=error.original_error, extensions=extensions,
    )


class ErrorCodes(SchemaExtension):
    """Codes every error of queries, mutations and each subscription event."""

    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        yield
        if self._streamed:
            return
        result = self.execution_context.result
        if isinstance(result, (GraphQLExecutionResult, ExecutionResult)):
            _code_result(result)
        elif (initial := getattr(result, "initial_result", None)) is not None:
            _code_result(initial)

    def on_stream_result(self, result: object) -> Iterator[None]:
        self._streamed = True
        _code_result(result)
        yield None


def _code_result(result: object) -> None:
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [e if (e.extensions or {}).get("code") else coded(e) for e in errors]  # type: ignore[attr-defined]
