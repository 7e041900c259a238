"""A failure of ours is logged in full and answered INTERNAL: no stack trace, no SQL, nothing half-written."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from api.errors import INTERNAL_MESSAGE
from domain.settings import Settings
from projections.database import ReadDatabase
from tests.api.conftest import PLACE_ORDER, Api, error_of

LEAKS = ("Traceback", "File \"", "SELECT", "INSERT", "sqlite", "psycopg", "sqlalchemy", "no such table", "_chain")


def drop_read_table(settings: Settings, table: str) -> None:
    db = ReadDatabase(settings)
    try:
        with db.begin() as conn:
            conn.execute(text(f"DROP TABLE {table}"))
    finally:
        db.close()


def drop_chain_table(settings: Settings) -> None:
    if settings.is_sqlite:
        with closing(sqlite3.connect(settings.sqlite_path)) as conn, conn:
            conn.execute("DROP TABLE stored_events_chain")
    else:
        import psycopg

        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute("DROP TABLE peisong_events_chain")


def assert_masked(body: str) -> None:
    for leak in LEAKS:
        assert leak not in body, f"{leak!r} leaked: {body}"


def test_a_broken_read_model_is_answered_internal_and_logged_with_its_trace(
    shop_api: Api, caplog: pytest.LogCaptureFixture,
) -> None:
    drop_read_table(shop_api.settings, "products")
    with caplog.at_level(logging.ERROR, logger="peisong.api"):
        response = shop_api.client.post("/graphql", json={"query": "{ products { totalCount } }"},
                                        headers=shop_api.headers())
    assert response.status_code == 200
    error = error_of(response.json())
    assert (error["message"], error["extensions"]) == (INTERNAL_MESSAGE, {"code": "INTERNAL", "field": None})
    assert_masked(response.text)
    logged = [r for r in caplog.records if r.name == "peisong.api" and r.exc_info]
    assert logged and "products" in logging.Formatter().formatException(logged[0].exc_info)  # type: ignore[arg-type]


def test_a_save_that_fails_inside_its_transaction_is_answered_internal_and_leaves_nothing(shop_api: Api) -> None:
    before = shop_api.settle()
    drop_chain_table(shop_api.settings)
    response = shop_api.client.post(
        "/graphql", json={"query": PLACE_ORDER, "variables": {"input": shop_api.order_input(number="PS-HALF")}},
        headers=shop_api.headers(),
    )
    error = error_of(response.json())
    assert (error["message"], error["extensions"]["code"]) == (INTERNAL_MESSAGE, "INTERNAL")
    assert_masked(response.text)
    assert shop_api.head() == before  # neither the order nor its reservations


def test_a_failure_outside_graphql_is_a_bare_500(shop_api: Api) -> None:
    drop_read_table(shop_api.settings, "projection_positions")
    with TestClient(shop_api.app, raise_server_exceptions=False) as client:
        response = client.get("/health")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
