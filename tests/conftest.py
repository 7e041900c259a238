"""Shared fixtures: a real store per test, SQLite always and PostgreSQL when CI provides it."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings

from domain.app import Peisong
from domain.clock import ManualClock
from domain.settings import Settings

hypothesis_settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
hypothesis_settings.register_profile(
    "dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

POSTGRES_URL = os.environ.get("PEISONG_TEST_POSTGRES_URL")  # e.g. postgresql://peisong:peisong@127.0.0.1:5432/peisong
START = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)

STORES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def fresh_postgres_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """A new empty database on the test server, and how to drop it."""
    import psycopg
    from urllib.parse import urlparse, urlunparse

    name = f"peisong_t_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(base_url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunparse(urlparse(base_url)._replace(path=f"/{name}"))

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return url, drop


@pytest.fixture(params=STORES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(database_url=f"sqlite:///{tmp_path}/peisong.db", data_dir=tmp_path, secret_key="test-secret")
        return
    url, drop = fresh_postgres_database(POSTGRES_URL)  # type: ignore[arg-type]
    try:
        yield Settings(database_url=url, data_dir=tmp_path, secret_key="test-secret")
    finally:
        drop()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/peisong.db", data_dir=tmp_path, secret_key="test-secret")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def make_app(settings: Settings, clock: ManualClock) -> Iterator[Callable[[], Peisong]]:
    opened: list[Peisong] = []

    def make() -> Peisong:
        app = Peisong(settings, clock)
        opened.append(app)
        return app

    yield make
    for app in opened:
        app.close()


@pytest.fixture
def app(make_app: Callable[[], Peisong]) -> Peisong:
    return make_app()


def stock_shop(app: Peisong) -> Peisong:
    """Two warehouses, four products, some stock and two customers."""
    app.register_warehouse("WH-EAST", "East", 31.23, 121.55, purchasing_contact="buyer-east@shop.example")
    app.register_warehouse("WH-WEST", "West", 31.22, 121.35, purchasing_contact="buyer-west@shop.example")
    app.add_product("RICE-5KG", "Rice 5 kg", "5", "6", "39.90", "grocery")
    app.add_product("MILK-1L", "Milk 1 L", "1.05", "1", "12.50", "fresh")
    app.add_product("TEA-250G", "Green tea 250 g", "0.3", "0.8", "88.00", "drinks")
    app.add_product("PAN-28", "Frying pan 28 cm", "1.6", "9", "159.00", "home")
    app.receive_stock_batch([
        ("WH-EAST", "RICE-5KG", 50), ("WH-EAST", "MILK-1L", 30), ("WH-EAST", "TEA-250G", 5),
        ("WH-WEST", "RICE-5KG", 20), ("WH-WEST", "MILK-1L", 40), ("WH-WEST", "PAN-28", 12),
    ], reference="opening stock")
    app.register_customer("CUST-1", "Li Wei", "+86 138 0000 0001",
                          [{"label": "home", "text": "Pudong, Shanghai", "lat": 31.23, "lon": 121.54}])
    app.register_customer("CUST-2", "Chen Jing", "+86 139 0000 0002",
                          [{"label": "home", "text": "Changning, Shanghai", "lat": 31.22, "lon": 121.37}],
                          language="en", channels=["sms", "wechat"])
    return app


@pytest.fixture
def shop(app: Peisong) -> Peisong:
    return stock_shop(app)


def window(clock: ManualClock, hours: int = 2) -> tuple[datetime, datetime]:
    start = clock.now() + timedelta(hours=1)
    return start, start + timedelta(hours=hours)


EAST_HOME = {"lat": 31.23, "lon": 121.54, "text": "Pudong"}
WEST_HOME = {"lat": 31.22, "lon": 121.37, "text": "Changning"}
