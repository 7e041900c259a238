"""Helpers for the zone and live-location specifications: boundaries, pings, couriers on shift."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.locations import CourierTrack
from domain.vehicles import VehicleType
from tests.conftest import START, stock_shop

# The shop of tests/conftest.py: WH-EAST at (31.23, 121.55), WH-WEST at (31.22, 121.35); customers
# in Pudong (31.23, 121.54) and Changning (31.22, 121.37).
EAST = {"type": "Polygon", "coordinates": [[[121.45, 31.15], [121.65, 31.15], [121.65, 31.30], [121.45, 31.30],
                                            [121.45, 31.15]]]}
WEST = {"type": "Polygon", "coordinates": [[[121.25, 31.15], [121.45, 31.15], [121.45, 31.30], [121.25, 31.30],
                                            [121.25, 31.15]]]}


def square(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north],
                                                [west, south]]]}


def events_named(app: Peisong, aggregate_id: Any, name: str) -> list[Any]:
    return [e for e in app.events.get(aggregate_id) if type(e).__name__ == name]


def track_events(app: Peisong, courier: str, day: Any = None) -> list[Any]:
    return list(app.events.get(CourierTrack.create_id(courier, day or app.business_day(START))))


def names(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def ping(at: datetime, lat: float, lon: float, speed: float | None = None, accuracy: float | None = 10.0
         ) -> dict[str, Any]:
    return {"at": at, "lat": lat, "lon": lon, "speed": speed, "accuracy": accuracy}


def ride(start: datetime, lat: float, lon: float, count: int, every: int = 5, metres_per_second: float = 5.0,
         north: bool = True) -> list[dict[str, Any]]:
    """Pings of a courier riding straight north (or east) at a steady speed."""
    step = metres_per_second * every / 111_320
    pings = []
    for i in range(count):
        dlat, dlon = (step * i, 0.0) if north else (0.0, step * i / np.cos(np.radians(lat)))
        pings.append(ping(start + timedelta(seconds=every * i), lat + dlat, lon + dlon, speed=metres_per_second))
    return pings


def along(start: datetime, waypoints: list[tuple[float, float]], metres_per_second: float = 8.0, every: int = 10
          ) -> list[dict[str, Any]]:
    """Pings of a courier riding from waypoint to waypoint (lat, lon) at a steady speed."""
    points = np.array(waypoints, dtype=float)
    scale = np.array([111_320.0, 111_320.0 * np.cos(np.radians(points[0, 0]))])
    legs = np.linalg.norm(np.diff(points, axis=0) * scale, axis=1)
    reach = np.concatenate([[0.0], np.cumsum(legs)])
    pings = []
    for i in range(int(reach[-1] // (metres_per_second * every)) + 1):
        travelled = i * metres_per_second * every
        lat = float(np.interp(travelled, reach, points[:, 0]))
        lon = float(np.interp(travelled, reach, points[:, 1]))
        pings.append(ping(start + timedelta(seconds=every * i), lat, lon, speed=metres_per_second))
    return pings


def put_on_shift(app: Peisong, reference: str, max_kmh: str = "45", plate: str | None = None) -> str:
    """Hire, certify and activate a courier, give them a vehicle and start their shift now."""
    now = app.clock.now()
    plate = plate or f"SH-{reference}"
    type_name = f"scooter-{max_kmh}"
    if app.get_or_none(VehicleType.create_id(type_name)) is None:
        app.define_vehicle_type(type_name, "40", "120", "20", max_kmh, "0.3", "0", "20")
    app.register_vehicle(plate, type_name)
    app.receive_courier_application(reference, f"Courier {reference}", "+86 138 0000 0000", "ID12345678", 3, "none")
    app.screen_courier(reference, True, "clean record")
    for course, score in (("safety", 90), ("service", 85), ("app", 85)):
        app.record_courier_training(reference, course, 4, score)
    app.certify_courier(reference)
    app.activate_courier(reference)
    shift = app.plan_shift(reference, now, now + timedelta(hours=8), "EAST", plate)["shift"]
    app.start_shift(reference, shift)
    return shift


@pytest.fixture
def city(app: Peisong) -> Peisong:
    """The shop with its two warehouses and an EAST and a WEST zone side by side."""
    stock_shop(app)
    app.define_zone("EAST", "Pudong", "residential", EAST)
    app.define_zone("WEST", "Changning", "business", WEST)
    return app


@pytest.fixture
def now(clock: ManualClock) -> datetime:
    return clock.now()
