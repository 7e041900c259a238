"""What every resolver is handed: the caller, and this process's one application and read database.

Commands and read-model queries are blocking (a per-process lock, SQLite or psycopg
I/O), so every call leaves the event loop through the thread pool; subscriptions and
other requests keep running meanwhile.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.websockets import WebSocket

from api.auth import SUBJECT_ROLES, InvalidToken, Principal, authorization_of, read_token
from api.errors import BAD_INPUT, PRECONDITION_FAILED, ApiError, unauthenticated
from api.log_watch import LogWatch
from api.request_id import request_id_of
from api.revocation import RevocationCache
from domain.app import Peisong
from domain.audit import acting_as
from domain.execution import CommandResult
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner

T = TypeVar("T")

MAX_IDEMPOTENCY_KEY = 200


@dataclass(frozen=True)
class Services:
    """The long-lived pieces one API process shares between all requests."""

    settings: Settings
    application: Peisong
    db: ReadDatabase
    runner: ProjectionRunner
    watch: LogWatch
    revocations: RevocationCache


class Context:
    def __init__(self, services: Services, request: Request | WebSocket, response: Any = None) -> None:
        self.services = services
        self.request = request
        self.response = response
        # Filled by Strawberry from a websocket's connection_init payload.
        self.connection_params: dict[str, object] | None = None
        self.authentication_problem: str | None = None
        self._principal: Principal | None = None
        self._principal_read_with: object = _NOT_YET

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def application(self) -> Peisong:
        return self.services.application

    @property
    def watch(self) -> LogWatch:
        return self.services.watch

    # -- who is calling ------------------------------------------------------------------

    def principal(self) -> Principal | None:
        """The signed-in caller, or None (then `authentication_problem` may say why).

        Revocation is checked on every call, so a long-lived context (a websocket) that
        asks again notices a token revoked after it connected.
        """
        if self._principal_read_with is not self.connection_params:
            self._principal_read_with = self.connection_params
            self._principal, self.authentication_problem = None, None
            try:
                token = authorization_of(self.request.headers, self.connection_params)
                if token is not None:
                    self._principal = read_token(self.settings, token)
            except InvalidToken as problem:
                self.authentication_problem = str(problem)
        if self._principal is not None and self.services.revocations.is_revoked(self._principal):
            self._principal, self.authentication_problem = None, "the token has been revoked"
        return self._principal

    def require_principal(self) -> Principal:
        principal = self.principal()
        if principal is None:
            raise unauthenticated(self.authentication_problem) if self.authentication_problem else unauthenticated()
        return principal

    # -- writing -----------------------------------------------------------------------------

    async def command(self, name: str, *args: Any, idempotency_key: str | None = None, **kwargs: Any) -> CommandResult:
        """Run one of the application's commands off the event loop, its events naming this caller and request."""
        method: Callable[..., CommandResult] = getattr(self.application, name)
        key = self.scoped_key(idempotency_key)
        principal = self.principal()
        actor = principal.actor if principal is not None else "anonymous"
        return await run_in_threadpool(_acting, actor, self.request_id, method, *args, idempotency_key=key, **kwargs)

    @property
    def request_id(self) -> str | None:
        """The X-Request-Id this request came with or was given (api/request_id.py)."""
        return request_id_of(self.request.scope)

    def scoped_key(self, key: str | None) -> str | None:
        """A customer's or courier's keys live in their own namespace: one caller can never
        replay (and so read) another caller's first answer by guessing their key."""
        if key is None:
            return None
        if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY:
            raise ApiError(
                BAD_INPUT, f"an idempotency key is 1 to {MAX_IDEMPOTENCY_KEY} characters", field="idempotencyKey",
            )
        principal = self.require_principal()
        if principal.role in SUBJECT_ROLES:
            return json.dumps([principal.role, principal.subject, key])  # injective, whatever the parts hold
        return key

    # -- reading -----------------------------------------------------------------------------

    async def read(self, query: Callable[..., T], *args: Any, at_least: int | None = None, **kwargs: Any) -> T:
        """A read-model query, once the projections have caught up with `at_least`."""
        await self.reached(at_least)
        return await run_in_threadpool(query, self.services.db, *args, **kwargs)

    async def read_log(self, query: Callable[..., T], *args: Any, at_least: int | None = None, **kwargs: Any) -> T:
        """A query on the event log itself (history, feeds): always current, but honours `atLeast` alike."""
        await self.reached(at_least)
        return await run_in_threadpool(query, self.application, *args, **kwargs)

    async def reached(self, at_least: int | None) -> None:
        """Read-your-writes: wait (bounded) until every projection has processed `at_least`."""
        if at_least is None:
            return
        if at_least < 0:
            raise ApiError(BAD_INPUT, "atLeast is a log position, zero or more", field="atLeast")
        runner = self.services.runner
        if await runner.await_position(at_least, 0):
            return
        head = await self.head()
        if at_least > head:
            # Every position a mutation returns is already in the log: waiting for this one would be in vain.
            raise ApiError(
                PRECONDITION_FAILED, f"position {at_least} is beyond the end of the log ({head})",
                field="atLeast", position=at_least, head=head,
            )
        wait = self.settings.read_wait_seconds
        if not await runner.await_position(at_least, wait):
            raise ApiError(
                PRECONDITION_FAILED,
                f"the read models have not reached position {at_least} within {wait:g} s; try again shortly",
                field="atLeast", position=at_least,
            )

    async def head(self) -> int:
        return await run_in_threadpool(self.application.head_position)

    def page_size(self, first: int) -> int:
        limit = self.settings.max_page_size
        if first < 0 or first > limit:
            raise ApiError(BAD_INPUT, f"first must be between 0 and {limit}", field="first", value=first)
        return first


_NOT_YET = object()


def _acting(actor: str, request_id: str | None, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Set inside the worker thread, so the audit metadata is the command's whatever the pool's context."""
    with acting_as(actor, request_id):
        return method(*args, **kwargs)
