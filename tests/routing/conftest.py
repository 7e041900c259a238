"""Fixtures for the routing specifications: a warehouse with couriers on shift, and the runner that applies policies."""

from __future__ import annotations

from typing import Iterator

import pytest

from domain.app import Peisong
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner
from tests.api.conftest import make_api  # noqa: F401  (the API fixture shared with tests/api)
from tests.routing.shop import routing_shop


@pytest.fixture
def shop(app: Peisong) -> Peisong:
    return routing_shop(app)


@pytest.fixture
def runner(app: Peisong, settings: Settings) -> Iterator[ProjectionRunner]:
    """Projections and policies over the same store, run on demand with `catch_up()`."""
    db = ReadDatabase(settings)
    yield ProjectionRunner(app, db)
    db.close()
