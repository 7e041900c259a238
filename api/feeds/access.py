"""Who may read the plain-HTTP feeds: the same caller and roles as the GraphQL `events` query and subscription.

The caller is read through `Context`, exactly as for GraphQL, and refusals carry the same
codes, in the same `{"errors": [{"message", "extensions": {"code", "field"}}]}` shape.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.context import Context
from api.errors import BAD_INPUT, FORBIDDEN, INTERNAL, INTERNAL_MESSAGE, NOT_FOUND, UNAUTHENTICATED, code_of, forbidden, logger
from api.permissions import OPERATION_ROLES

# The HTTP feeds answer to this operation's row of the roles table.
FEED_OPERATION = "events"

HTTP_STATUS = {BAD_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, INTERNAL: 500}


def feed_context(request: Request) -> Context:
    """The caller's context, once they are signed in and in one of the feed roles."""
    context = Context(request.app.state.services, request)
    principal = context.require_principal()
    if principal.role not in OPERATION_ROLES[FEED_OPERATION]:
        raise forbidden(f"a {principal.role} may not read the feeds")
    return context


def error_response(error: Exception) -> JSONResponse:
    """A refusal as JSON with its HTTP status; anything unnamed is logged and masked."""
    code = code_of(error)
    if code is None:
        logger.error("unexpected error in a feed endpoint", exc_info=error)
        code, message, field = INTERNAL, INTERNAL_MESSAGE, None
    else:
        message, field = getattr(error, "message", str(error)), getattr(error, "field", None)
    headers = {"WWW-Authenticate": "Bearer"} if code == UNAUTHENTICATED else None
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code, "field": field}}]},
        status_code=HTTP_STATUS.get(code, 400), headers=headers,
    )
