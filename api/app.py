"""The Starlette application: GraphQL (HTTP and websockets), feeds, health, and the workers' lifetime."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api.context import Context, Services
from api.events_schema import events_schema_endpoint
from api.feeds.endpoints import feed, feed_stream
from api.health import health
from api.log_watch import LogWatch
from api.ratelimit import RateLimit
from api.reports.endpoints import report
from api.request_id import RequestIds
from api.request_size import MAX_BODY_BYTES, RequestSizeLimit
from api.revocation import RevocationCache
from api.schema import build_schema
from api.workers import Workers
from domain.app import Peisong
from domain.clock import Clock
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner


class PeisongGraphQL(GraphQL):
    """Strawberry's ASGI view, handing each operation a Context over this process's services."""

    def __init__(self, services: Services) -> None:
        super().__init__(
            build_schema(services.settings),
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.services = services

    async def get_context(self, request: Request | WebSocket, response: object = None) -> Context:  # type: ignore[override]
        return Context(self.services, request, response)


def create_app(
    settings: Settings,
    *,
    application: Peisong | None = None,
    clock: Clock | None = None,
    run_worker: bool = True,
    run_planning: bool = True,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Starlette:
    """Open the application and the read database; the lifespan runs the worker.

    With `run_worker=False` the projections and policies are left to separate
    `peisong worker` processes (PostgreSQL); reads still wait for them through the
    shared position table. With `run_planning=False` the worker leaves out the wave
    scheduler and the planning worker (a live simulated day plans for itself).
    An application passed in stays open: its owner closes it.
    """
    owns_application = application is None
    if application is None:
        application = Peisong(settings, clock)
    db = ReadDatabase(settings)
    db.create_all()
    runner = ProjectionRunner(application, db)
    services = Services(
        settings=settings, application=application, db=db, runner=runner, watch=LogWatch(application),
        revocations=RevocationCache(db, settings.revocation_refresh_seconds),
    )
    graphql = PeisongGraphQL(services)
    workers = Workers.build(application, db, settings, runner)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if run_worker:
            await run_in_threadpool(workers.start, run_planning)
        try:
            yield
        finally:
            if run_worker:
                await run_in_threadpool(workers.stop)
            await run_in_threadpool(workers.close)
            services.watch.close()
            db.close()
            if owns_application:
                application.close()

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/feed", feed, methods=["GET"]),
            Route("/feed/stream", feed_stream, methods=["GET"]),
            Route("/events/schema", events_schema_endpoint, methods=["GET"]),
            Route("/reports/{chart}.{fmt}", report, methods=["GET"]),
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
        ],
        # Outermost first: every response (a 429 or 413 too) carries its request id.
        middleware=[
            Middleware(RequestIds),
            Middleware(RateLimit, settings=settings),
            Middleware(RequestSizeLimit, max_bytes=max_body_bytes),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.settings = settings
    app.state.application = application
    app.state.db = db
    app.state.runner = runner
    app.state.workers = workers
    app.state.webhooks = workers.webhooks
    app.state.stale_positions = workers.stale_positions
    app.state.outbox = workers.outbox
    app.state.care = workers.care
    app.state.planning = workers.planning
    app.state.waves = workers.waves
    app.state.reorder_review = workers.reorder_review
    return app
