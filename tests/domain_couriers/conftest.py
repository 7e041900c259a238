"""Fixtures for the courier specifications: an active courier and a small fleet."""

from __future__ import annotations

import pytest

from domain.app import Peisong
from tests.domain_couriers.staffing import fleet, hire


@pytest.fixture
def courier(app: Peisong) -> str:
    return hire(app)


@pytest.fixture
def vehicles(app: Peisong) -> Peisong:
    return fleet(app)
