"""Every request gets an id that its events record as their correlation id, and that its response echoes.

A caller (or the proxy in front) may send its own `X-Request-Id` to tie our log to
theirs; one that is not a short token of safe characters is replaced rather than
trusted, since it ends up in the audit trail and in logs.
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
MAX_LENGTH = 128
ACCEPTABLE = re.compile(r"[A-Za-z0-9._:\-]{1,%d}" % MAX_LENGTH)
STATE_KEY = "request_id"


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted(value: str | None) -> str:
    return value if value is not None and ACCEPTABLE.fullmatch(value) else new_request_id()


def request_id_of(scope: Scope) -> str | None:
    return (scope.get("state") or {}).get(STATE_KEY)


class RequestIds:
    """Puts the id in the request's state (for the GraphQL context) and in the response's headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or ()).get(HEADER.encode())
        request_id = accepted(sent.decode("latin-1") if sent is not None else None)
        scope.setdefault("state", {})[STATE_KEY] = request_id

        async def echoing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        await self.app(scope, receive, echoing_send if scope["type"] == "http" else send)
