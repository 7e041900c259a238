"""The one anonymous endpoint: is the process up, where is the log's head, how far behind are the read models."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.context import Services


def health_report(services: Services) -> dict[str, object]:
    head = services.application.head_position()
    lags = services.runner.lags()
    return {
        "status": "ok",
        "head": head,
        "lag": max((lag.lag for lag in lags), default=0),
        "projections": [
            {"name": lag.name, "position": lag.position, "head": lag.head, "lag": lag.lag} for lag in lags
        ],
    }


async def health(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    return JSONResponse(await run_in_threadpool(health_report, services))
