"""Read-side fixtures: a read database beside each test's store, and a runner over it."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from sqlalchemy import select

from domain.app import Peisong
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.positions import read_positions
from projections.registry import ALL
from projections.replay import rebuild
from projections.runner import ProjectionRunner


@pytest.fixture
def db(settings: Settings) -> Iterator[ReadDatabase]:
    database = ReadDatabase(settings)
    database.create_all()
    yield database
    database.close()


@pytest.fixture
def runner(app: Peisong, db: ReadDatabase) -> Iterator[ProjectionRunner]:
    projection_runner = ProjectionRunner(app, db)
    yield projection_runner
    projection_runner.stop()


def snapshot(db: ReadDatabase) -> dict[str, Any]:
    """Every projection table, row by row in key order, and the projections' positions."""
    contents: dict[str, Any] = {}
    with db.read() as conn:
        for projector in ALL:
            for table in projector.tables:
                order = list(table.primary_key.columns)
                contents[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
        positions = read_positions(conn)
    contents["positions"] = {p.name: positions.get(p.name) for p in ALL}
    return contents


def rebuilt_snapshot(app: Peisong, db: ReadDatabase) -> dict[str, Any]:
    rebuild(app, db)
    return snapshot(db)
