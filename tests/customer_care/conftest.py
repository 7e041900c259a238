"""Customer care specifications run on the real store, the real runner and a real local message gateway."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Iterator

import pytest

from api.outbox.worker import OutboxWorker
from domain.app import Peisong
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner
from tests.api.conftest import api, make_api, shop_api  # noqa: F401 - the API under test, over these settings
from tests.conftest import EAST_HOME, stock_shop, window
from tests.customer_care.gateway import Gateway
from tests.domain_couriers.staffing import hire

COURIER = "C-1"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, gateway: Gateway) -> Settings:
    """Messages go to the local gateway; retries come quickly, so a test sees a gateway's recovery at once."""
    return replace(settings, notification_gateway_url=gateway.url, notification_retry_base_seconds=0.02,
                   notification_retry_max_seconds=0.1, notification_timeout_seconds=5.0)


@pytest.fixture
def care(app: Peisong) -> Peisong:
    """The stocked shop of tests/conftest.py and one courier ready for work."""
    stock_shop(app)
    hire(app, COURIER)
    return app


@pytest.fixture
def read_db(app: Peisong, settings: Settings) -> Iterator[ReadDatabase]:
    db = ReadDatabase(settings)
    yield db
    db.close()


@pytest.fixture
def runner(app: Peisong, read_db: ReadDatabase) -> ProjectionRunner:
    return ProjectionRunner(app, read_db)


@pytest.fixture
def outbox(app: Peisong, read_db: ReadDatabase, settings: Settings) -> Iterator[OutboxWorker]:
    worker = OutboxWorker(app, read_db, settings)
    yield worker
    worker.close()


def settle(runner: ProjectionRunner, outbox: OutboxWorker | None = None) -> None:
    """Projections and policies caught up, then (given the worker) everything due sent and projected."""
    runner.catch_up()
    if outbox is not None:
        outbox.drain()
        runner.catch_up()


def placed(app: Peisong, customer: str = "CUST-1", lines: list[tuple[str, int]] | None = None, **kw: object) -> str:
    start, end = window(app.clock)  # type: ignore[arg-type]
    return app.place_order(customer, lines or [("RICE-5KG", 1)], EAST_HOME, start, end, **kw)["number"]


def delivered(app: Peisong, customer: str = "CUST-1", lines: list[tuple[str, int]] | None = None,
              courier: str = COURIER) -> str:
    """An order walked from placing to the customer's door, a few minutes per step."""
    number = placed(app, customer, lines)
    for step in (lambda: app.pick_order(number, "picker"), lambda: app.pack_order(number, "packer"),
                 lambda: app.hand_order_to_courier(number, courier), lambda: app.send_order_out_for_delivery(number),
                 lambda: app.deliver_order(number, "photo", "at the door")):
        app.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
        step()
    return number
