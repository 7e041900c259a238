"""Per-caller token buckets: a burst passes, a sustained flood is answered 429 with Retry-After.

The caller is the party a valid token speaks for (`customer:CUST-0001`), or the token
itself when it names no one (an admin's, an integrator's), or else the client's address.
Buckets live in this process: with several API processes behind a balancer each applies
the limit on its own, so a caller spread over N of them may get up to N times the rate.
That keeps a shared store off the path of every request; put a limit at the balancer
if the sum matters.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import InvalidToken, authorization_of, read_token
from api.errors import RATE_LIMITED
from domain.settings import Settings

MAX_CALLERS = 100_000
EXEMPT_PATHS = frozenset({"/health"})


class TokenBucket:
    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = float(capacity)
        self.updated = now

    def take(self, now: float) -> float:
        """Take one token: 0.0 if there was one, else the seconds until there will be."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateLimit:
    """ASGI middleware; the event loop is one thread, so the buckets need no lock."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.rate = settings.rate_limit_per_second
        self.capacity = max(1, settings.rate_limit_burst)
        self.buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.rate <= 0 or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        wait = self.bucket(self.caller(scope)).take(time.monotonic())
        if wait > 0:
            await refuse(send, wait)
            return
        await self.app(scope, receive, send)

    def caller(self, scope: Scope) -> str:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or ()}
        try:
            token = authorization_of(headers, None)
            if token is not None:
                principal = read_token(self.settings, token)
                return f"{principal.role}:{principal.subject}" if principal.subject else f"token:{principal.token_id}"
        except InvalidToken:
            pass  # a forged or expired token earns no bucket of its own
        client = scope.get("client")
        return f"address:{client[0] if client else 'unknown'}"

    def bucket(self, caller: str) -> TokenBucket:
        bucket = self.buckets.get(caller)
        if bucket is None:
            if len(self.buckets) >= MAX_CALLERS:
                self.buckets.popitem(last=False)  # the longest unseen caller starts afresh
            bucket = self.buckets[caller] = TokenBucket(self.rate, self.capacity, time.monotonic())
        else:
            self.buckets.move_to_end(caller)
        return bucket


async def refuse(send: Send, wait: float) -> None:
    retry_after = max(1, math.ceil(wait))
    body = json.dumps({"errors": [{
        "message": f"too many requests; retry after {retry_after} s",
        "extensions": {"code": RATE_LIMITED, "field": None, "retryAfter": retry_after},
    }]}).encode()
    await send({
        "type": "http.response.start", "status": 429,
        "headers": [
            (b"content-type", b"application/json"), (b"retry-after", str(retry_after).encode()),
            (b"content-length", str(len(body)).encode()),
        ],
    })
    await send({"type": "http.response.body", "body": body})
