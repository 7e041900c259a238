"""Getting couriers and vehicles ready for a specification: hiring, shifts, a small fleet, reading events."""

from __future__ import annotations

import zlib
from datetime import timedelta
from typing import Any
from uuid import UUID

from domain.app import Peisong


def events_of(app: Peisong, aggregate_id: UUID) -> list[Any]:
    return list(app.repository.event_store.get(aggregate_id))


def event_names(app: Peisong, aggregate_id: UUID) -> list[str]:
    return [type(e).__name__ for e in events_of(app, aggregate_id)]


def apply(app: Peisong, reference: str, driving_years: int = 3, licence_class: str = "C1") -> None:
    document = f"31010119900101{zlib.crc32(reference.encode()) % 10000:04d}"
    app.receive_courier_application(
        reference, f"Courier {reference}", "+86 139 0000 1234", document, driving_years, licence_class,
    )


def train(app: Peisong, reference: str, courses: tuple[str, ...] = ("safety", "service", "app"),
          score: int = 90) -> None:
    for course in courses:
        app.record_courier_training(reference, course, "4", score)


def hire(app: Peisong, reference: str = "COURIER-01") -> str:
    """An applicant taken all the way to a certified, active courier."""
    apply(app, reference)
    app.screen_courier(reference, True, "no record", checked_by="hr-1")
    train(app, reference)
    app.certify_courier(reference)
    app.activate_courier(reference)
    return reference


def plan_next_shift(app: Peisong, courier: str, hours_from_now: int = 0, length: int = 8,
                    vehicle: str | None = None, zone: str = "PUDONG") -> str:
    start = app.clock.now() + timedelta(hours=hours_from_now)
    return app.plan_shift(courier, start, start + timedelta(hours=length), zone,
                          vehicle=vehicle)["shift"]


def fleet(app: Peisong) -> Peisong:
    app.define_vehicle_type(
        "e-bike", capacity_kg="40", capacity_l="120", cruise_kmh="18", max_kmh="25",
        cost_per_km="0.05", cost_per_hour="0", fixed_daily_cost="3", speed_bands=[
            {"start": "07:00", "end": "09:30", "kmh": "14"}, {"start": "17:00", "end": "19:30", "kmh": "13"},
        ],
    )
    app.define_vehicle_type(
        "refrigerated van", capacity_kg="800", capacity_l="4000", cruise_kmh="35", max_kmh="80",
        cost_per_km="1.20", cost_per_hour="12", fixed_daily_cost="150", skills=["cold_chain", "bulky"],
    )
    app.register_vehicle("沪A·E0001", "e-bike")
    app.register_vehicle("沪A·E0002", "e-bike")
    app.register_vehicle("沪B·C7788", "refrigerated van")
    return app
