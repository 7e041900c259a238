"""`GET /feed` (a page of the log as JSON) and `GET /feed/stream` (server-sent events from a cursor, then live).

Both take the same filters as the GraphQL `events` query: `types=A,B`, `aggregateType`,
`aggregateId`. The stream's `id:` is the log position, so a client that reconnects with
`Last-Event-ID` (browsers' EventSource does so by itself) or `?after=` resumes with the
next event: nothing lost, nothing twice, whichever server process answers.
"""

from __future__ import annotations

import json
from typing import Any, AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from api.context import Context
from api.errors import BAD_INPUT, ApiError
from api.feeds.access import error_response, feed_context
from api.feeds.follow import follow_log
from api.feeds.pages import feed_page
from api.feeds.records import FeedFilter, check_after, event_document, feed_filter

DEFAULT_LIMIT = 100
# Tells EventSource how long to wait before reconnecting after the stream drops.
RECONNECT_MS = 2000


def _int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(BAD_INPUT, f"{name} must be a whole number", field=name) from None


def _filters(request: Request) -> FeedFilter:
    params = request.query_params
    types = [name.strip() for name in params.get("types", "").split(",") if name.strip()]
    return feed_filter(types or None, params.get("aggregateType"), params.get("aggregateId"))


async def feed(request: Request) -> Response:
    """`{"events": [...], "next": <pass back as after>, "hasMore": bool}`."""
    try:
        context = feed_context(request)
        after = check_after(_int(request, "after", 0))
        limit = _int(request, "limit", DEFAULT_LIMIT)
        if not 1 <= limit <= context.settings.max_page_size:
            raise ApiError(BAD_INPUT, f"limit must be between 1 and {context.settings.max_page_size}", field="limit")
        page = await context.read_log(feed_page, after, limit, _filters(request))
    except Exception as error:
        return error_response(error)
    return JSONResponse({
        "events": [event_document(record) for record in page.records],
        "next": page.end_cursor,
        "hasMore": page.has_next_page,
    })


def _resume_point(request: Request) -> int:
    """`Last-Event-ID` (sent on reconnection) wins over `after` (the first connection's choice)."""
    last_seen = request.headers.get("last-event-id")
    if last_seen is not None and last_seen.strip():
        try:
            return check_after(int(last_seen.strip()))
        except ValueError:
            raise ApiError(BAD_INPUT, "Last-Event-ID must be a log position", field="Last-Event-ID") from None
    return check_after(_int(request, "after", 0))


async def feed_stream(request: Request) -> Response:
    try:
        context = feed_context(request)
        after = _resume_point(request)
        filters = _filters(request)
    except Exception as error:
        return error_response(error)
    return StreamingResponse(
        sse_messages(context, after, filters),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def sse_messages(context: Context, after: int, filters: FeedFilter) -> AsyncIterator[str]:
    yield f"retry: {RECONNECT_MS}\n\n"
    services = context.services
    heartbeat = context.settings.feed_heartbeat_seconds
    async for record in follow_log(services.application, services.watch, after, filters, heartbeat=heartbeat):
        if record is None:
            yield ": heartbeat\n\n"  # a comment: EventSource ignores it, proxies see traffic
            continue
        yield sse_message(record.position, record.event_type, event_document(record))


def sse_message(position: int, event_type: str, document: dict[str, Any]) -> str:
    data = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return f"id: {position}\nevent: {event_type}\ndata: {data}\n\n"
