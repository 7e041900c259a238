"""Getting a warehouse ready for route planning in a specification: goods, vehicles, couriers on shift, packed orders.

The warehouse opens 07:00-23:00 Shanghai time; the tests' clock starts at 16:00 there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Sequence

from domain.app import Peisong
from domain.planning import request_from_record, solve_recorded
from domain.routing import RoutePlan
from solver import PlanRequest
from tests.domain_couriers.staffing import hire

WAREHOUSE = "WH-A"
HOME = (31.2300, 121.4700)
CUSTOMER = "CUST-R1"

# name, kg, litres, cruise km/h, max km/h, per km, per hour, per day, skills
VEHICLE_TYPES = (
    ("e-bike", "40", "120", "18", "25", "0.05", "0", "3", ()),
    ("van", "600", "3000", "30", "80", "0.90", "10", "120", ("bulky",)),
    ("refrigerated van", "800", "4000", "30", "80", "1.20", "12", "150", ("cold_chain", "bulky")),
)
# courier, plate, vehicle type
CREW = (("C-BIKE-1", "沪A-B0001", "e-bike"), ("C-BIKE-2", "沪A-B0002", "e-bike"),
        ("C-COLD", "沪A-R0001", "refrigerated van"))


def routing_shop(app: Peisong, crew: Sequence[tuple[str, str, str]] = CREW, shift_hours: int = 10) -> Peisong:
    """One warehouse with rice, frozen dumplings, water and storage boxes, and couriers on shift with vehicles."""
    app.register_warehouse(WAREHOUSE, "Alpha hub", *HOME, opens="07:00", closes="23:00",
                           purchasing_contact="buyer@shop.example")
    app.add_product("RICE-5KG", "Rice 5 kg", "5", "6", "39.90", "grocery")
    app.add_product("DUMPLINGS", "Pork dumplings", "1", "1.6", "28.00", "frozen")
    app.add_product("WATER-12", "Water 12 x 550 ml", "6.8", "8", "24.00", "drinks")
    app.add_product("STORAGE-BOX", "Storage box", "0.9", "24", "45.00", "household")
    app.receive_stock_batch([(WAREHOUSE, sku, 500) for sku in ("RICE-5KG", "DUMPLINGS", "WATER-12", "STORAGE-BOX")],
                            reference="opening stock")
    app.register_customer(CUSTOMER, "Wang Fang", "+86 138 0000 0101",
                          [{"label": "home", "text": "Huangpu, Shanghai", "lat": HOME[0], "lon": HOME[1]}])
    for name, *figures, skills in VEHICLE_TYPES:
        app.define_vehicle_type(name, *figures, skills=skills)
    for courier, plate, vehicle_type in crew:
        put_on_shift(app, courier, plate, vehicle_type, shift_hours)
    return app


def put_on_shift(app: Peisong, courier: str, plate: str, vehicle_type: str, hours: int = 10,
                 base: str = WAREHOUSE) -> str:
    hire(app, courier)
    app.register_vehicle(plate, vehicle_type)
    if vehicle_type == "refrigerated van":
        app.grant_courier_skill(courier, "cold_chain")
    now = app.clock.now()
    shift = app.plan_shift(courier, now, now + timedelta(hours=hours), base, vehicle=plate)["shift"]
    app.start_shift(courier, shift)
    return shift


def packed_order(
    app: Peisong, number: str, lines: Sequence[tuple[str, int]] = (("RICE-5KG", 1),), north: float = 0.01,
    east: float = 0.01, window: tuple[float, float] = (1, 3),
) -> str:
    """An order placed near the warehouse, promised `window` hours from now, then picked and packed."""
    now = app.clock.now()
    app.place_order(
        CUSTOMER, list(lines), {"label": "home", "text": f"{number} street", "lat": HOME[0] + north,
                                "lon": HOME[1] + east},
        now + timedelta(hours=window[0]), now + timedelta(hours=window[1]), number=number,
    )
    app.pick_order(number, picker="picker-1")
    app.pack_order(number, packer="packer-1")
    return number


def ring_of_orders(app: Peisong, prefix: str, count: int, radius: float = 0.02, **kw: Any) -> list[str]:
    """`count` packed orders spread on a circle around the warehouse."""
    import math

    return [
        packed_order(app, f"{prefix}-{i + 1:03d}", north=radius * math.sin(2 * math.pi * i / count),
                     east=radius * math.cos(2 * math.pi * i / count), **kw)
        for i in range(count)
    ]


def claimed_request(app: Peisong, plan: str, worker: str = "test-worker") -> tuple[PlanRequest, dict[str, Any]]:
    """Claim the plan as a worker would and give back the solver request it recorded."""
    claim = app.start_planning(plan, worker)
    return request_from_record(claim["request"], seed=claim["seed"], max_iterations=claim["maxIterations"],
                               time_limit_s=claim["timeLimitSeconds"]), claim.data


def plan_now(app: Peisong, plan: str, worker: str = "test-worker",
             progress: Callable[[Any], None] | None = None) -> RoutePlan:
    """Claim, solve and record the plan in this thread: the planning worker's steps without its processes."""
    claim = app.start_planning(plan, worker)
    result = solve_recorded(claim["request"], seed=claim["seed"], max_iterations=claim["maxIterations"],
                            time_limit_s=claim["timeLimitSeconds"], progress=progress)
    app.record_route_plan(plan, worker, result)
    return app.existing_route_plan(plan)


def request_plan(app: Peisong, orders: Sequence[str], couriers: Sequence[str] = tuple(c for c, *_ in CREW),
                 iterations: int = 300, **kw: Any) -> str:
    return app.request_route_plan(WAREHOUSE, list(orders), list(couriers), max_iterations=iterations, **kw)["plan"]


def local(app: Peisong, hours_from_now: float) -> datetime:
    return app.clock.now() + timedelta(hours=hours_from_now)
