"""A tiny city for the simulator's specifications: one warehouse, one zone, four couriers, a few dozen orders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.app import Peisong
from sim.city import CitySpec, plan_city
from sim.inputs import Customer, DayInputs, OrderInput
from sim.runs import sim_settings
from sim.waves import PlanningSettings


@pytest.fixture
def tiny() -> CitySpec:
    return CitySpec.of_size("small", warehouses=1, fleet=(("e-bike", 3), ("van", 1)), orders=40, customers=30,
                            zones_per_warehouse=1, seed=7)


def hand_made_day(spec: CitySpec, orders: list[tuple[str, float, int]], promise_min: int = 120) -> DayInputs:
    """Orders (resident, minutes past 09:00, bags of rice at 5 kg and 6.5 L each), picked in a minute and packed
    in another: no weather, no jams, every customer at home."""
    city = plan_city(spec)
    residents = {r.reference: r for r in city.residents}
    start = spec.local("09:00")
    placed = []
    for n, (customer, minute, bags) in enumerate(orders):
        resident = residents[customer]
        placed.append(OrderInput(
            number=f"HAND-{n + 1:02d}", placed_at=(start + timedelta(minutes=minute)).isoformat(), customer=customer,
            lat=resident.lat, lon=resident.lon, lines=(("GRO-001", bags),), promise_min=promise_min, needs_code=False,
            pick_min=1.0, pack_min=1.0, behaviour=Customer(),
        ))
    return DayInputs(seed=spec.seed, day=spec.day.isoformat(), orders=tuple(placed), weather=(), incidents=())


def facts(store):
    """Per order, from the store: its courier, when a plan first assigned it, went out and was delivered."""
    app = Peisong(sim_settings(store, PlanningSettings()))
    try:
        found: dict[str, dict] = {}
        numbers = {}
        for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
            name = notification.topic.rsplit(".", 1)[-1]
            if name not in ("OrderPlaced", "OrderAssigned", "OrderHandedToCourier", "OrderOutForDelivery",
                            "OrderDelivered"):
                continue
            event = app.decode(notification)
            if name == "OrderPlaced":
                numbers[event.originator_id] = event.number
                found[event.number] = {"placed": event.timestamp}
            elif name == "OrderAssigned":
                found[numbers[event.originator_id]].setdefault("assigned", event.timestamp)
            elif name == "OrderHandedToCourier":
                found[numbers[event.originator_id]]["courier"] = event.courier_id
            elif name == "OrderOutForDelivery":
                found[numbers[event.originator_id]]["out"] = event.timestamp
            else:
                found[numbers[event.originator_id]]["delivered"] = event.timestamp
        return found
    finally:
        app.close()
