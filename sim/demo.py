"""The demo shop: four Shanghai warehouses, a few hundred SKUs, stock, customers and a day of orders.

Everything goes through the application's commands with a manual clock, so the demo's
events carry the business times of a real day and its history can be replayed like any other.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import shapely
from shapely.geometry import MultiPoint, box, mapping

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import DomainError
from sim.catalogue import generate_catalogue
from solver.geo import haversine_m

WAREHOUSES = (
    ("WH-PUDONG", "Pudong hub", 31.2231, 121.5440),
    ("WH-MINHANG", "Minhang hub", 31.1125, 121.3816),
    ("WH-PUTUO", "Putuo hub", 31.2496, 121.3972),
    ("WH-BAOSHAN", "Baoshan hub", 31.4050, 121.4890),
)
CITY_CENTRE = (31.2304, 121.4737)
DISTRICTS = ("Pudong", "Xuhui", "Jing'an", "Huangpu", "Changning", "Putuo", "Hongkou", "Yangpu", "Minhang", "Baoshan")
STREETS = ("Century Ave", "Nanjing Rd", "Huaihai Rd", "Zhangyang Rd", "Tianmu Rd", "Siping Rd", "Wuning Rd", "Hongqiao Rd")
COURIERS_PER_WAREHOUSE = 5
LOW_STOCK_SKUS = ("DRK-001", "FRZ-003", "BAB-001")
# One zone per warehouse district: the warehouses' Voronoi cells within the served area (lon/lat
# bounds). Addresses beyond it land outside every zone, for the dispatcher to place by hand.
ZONES = (
    ("PUDONG", "Pudong", "business", "WH-PUDONG"),
    ("MINHANG", "Minhang", "residential", "WH-MINHANG"),
    ("PUTUO", "Putuo", "mixed", "WH-PUTUO"),
    ("BAOSHAN", "Baoshan", "industrial", "WH-BAOSHAN"),
)
SERVED_AREA = (121.23, 31.02, 121.72, 31.45)
PING_EVERY = timedelta(minutes=1)
UPLOAD_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class DemoSize:
    products: int = 300
    customers: int = 200
    orders: int = 600
    hours: int = 10


VEHICLE_TYPES = (
    # name, kg, litres, cruise km/h, max km/h, per km, per hour, per day, skills
    ("e-bike", "40", "120", "18", "25", "0.05", "0", "3", ()),
    ("tricycle", "150", "600", "15", "25", "0.08", "0", "5", ("bulky",)),
    ("van", "600", "3000", "30", "80", "0.90", "10", "120", ("bulky",)),
    ("refrigerated van", "800", "4000", "30", "80", "1.20", "12", "150", ("cold_chain", "bulky")),
)


def _staff(app: Peisong, clock: ManualClock, start: datetime, hours: int) -> None:
    """Hire, train and certify the couriers, register the fleet and start the day's shifts."""
    for name, kg, litres, cruise, top, per_km, per_hour, per_day, skills in VEHICLE_TYPES:
        app.define_vehicle_type(name, kg, litres, cruise, top, per_km, per_hour, per_day, skills=skills)
    fleet_mix = ("e-bike", "e-bike", "tricycle", "van", "refrigerated van")
    for n, courier in enumerate(courier_ids()):
        vehicle_type = fleet_mix[n % len(fleet_mix)]
        plate = f"沪A-{n + 1:05d}"
        app.register_vehicle(plate, vehicle_type)
        app.receive_courier_application(courier, f"Courier {n + 1:02d}", f"+86 137 {n + 1:04d} 0000",
                                        f"3101011990010{n + 1:05d}", 2 + n % 6, "C1")
        app.screen_courier(courier, True, "background check clear", checked_by="hr")
        for course in app.settings.courier_required_courses:
            app.record_courier_training(courier, course, "4", 90)
        app.certify_courier(courier)
        app.activate_courier(courier)
        if vehicle_type == "refrigerated van":
            app.grant_courier_skill(courier, "cold_chain")
        warehouse = WAREHOUSES[n // COURIERS_PER_WAREHOUSE][0]
        shift = app.plan_shift(courier, start, start + timedelta(hours=hours), warehouse, vehicle=plate)["shift"]
        app.start_shift(courier, shift)


def courier_ids() -> list[str]:
    return [f"COURIER-{n:02d}" for n in range(1, COURIERS_PER_WAREHOUSE * len(WAREHOUSES) + 1)]


def load_demo(
    app: Peisong,
    clock: ManualClock,
    size: DemoSize = DemoSize(),
    seed: int = 2026,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Fill an empty store with the demo shop; the day ends at the clock's current time."""
    rng = random.Random(seed)
    end = clock.now().replace(second=0, microsecond=0)
    start = end - timedelta(hours=size.hours)
    report = progress or (lambda stage, done, total: None)

    clock.set(start - timedelta(days=1))
    for code, name, lat, lon in WAREHOUSES:
        app.register_warehouse(code, name, lat, lon, opens="07:00", closes="23:00",
                               stock_take_interval_days=30, purchasing_contact=f"purchasing+{code.lower()}@shop.example")
    _zone_the_city(app)
    catalogue = generate_catalogue(size.products, seed)
    for i, item in enumerate(catalogue):
        app.add_product(item.sku, item.name, item.weight_kg, item.volume_l, item.price, item.category)
        report("catalogue", i + 1, len(catalogue))
    clock.advance(timedelta(hours=2))
    for code, *_ in WAREHOUSES:
        lines = [(code, item.sku, 8 if item.sku in LOW_STOCK_SKUS else rng.randint(60, 240)) for item in catalogue]
        app.receive_stock_batch(lines, reference=f"opening stock {code}")
    for i in range(size.customers):
        lat, lon = _address_point(rng)
        app.register_customer(
            f"CUST-{i + 1:04d}", _customer_name(rng), f"+86 1{rng.randint(30, 89)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            [{"label": "home", "text": f"{rng.randint(1, 999)} {rng.choice(STREETS)}, {rng.choice(DISTRICTS)}, Shanghai",
              "lat": lat, "lon": lon}],
            language="zh-CN" if rng.random() < 0.8 else "en",
            channels=["sms", "wechat"] if rng.random() < 0.6 else ["sms"],
        )
        report("customers", i + 1, size.customers)

    clock.set(start)
    # Shifts run past the demo's end, so the served demo has couriers on duty to plan for.
    _staff(app, clock, start, app.settings.max_shift_hours)
    _staff_the_zones(app)
    day = _DemoDay(app, clock, rng, start, end, [item.sku for item in catalogue], size, _Rides(start, end, seed))
    placed = day.run(report)
    clock.set(end)
    return {"warehouses": len(WAREHOUSES), "products": len(catalogue), "customers": size.customers,
            "orders": placed, "events": app.head_position()}


class _DemoDay:
    """Orders arrive through the day and move on at realistic delays; steps past `end` wait."""

    def __init__(self, app: Peisong, clock: ManualClock, rng: random.Random, start: datetime, end: datetime,
                 skus: list[str], size: DemoSize, rides: "_Rides") -> None:
        self.app, self.clock, self.rng = app, clock, rng
        self.start, self.end, self.skus, self.size = start, end, skus, size
        self.rides = rides
        self.queue: list[tuple[datetime, int, str, str]] = []
        self.seq = 0

    def schedule(self, at: datetime, step: str, number: str) -> None:
        if at <= self.end:
            self.seq += 1
            heapq.heappush(self.queue, (at, self.seq, step, number))

    def run(self, report: Callable[[str, int, int], None]) -> int:
        span = (self.end - self.start).total_seconds()
        quiet_tail = 10  # the last orders arrive in the final minutes and are still waiting to be picked
        for i in range(self.size.orders):
            if i >= self.size.orders - quiet_tail:
                at = self.end - timedelta(minutes=5) + timedelta(seconds=30 * (i - self.size.orders + quiet_tail))
            else:
                at = self.start + timedelta(seconds=span * _arrival_share(self.rng))
            self.schedule(at, "place", f"DEMO-{i + 1:04d}")
        upload = self.start + UPLOAD_EVERY
        while upload <= self.end:
            self.schedule(upload, "positions", "")
            upload += UPLOAD_EVERY
        placed = 0
        couriers = courier_ids()
        while self.queue:
            at, _, step, number = heapq.heappop(self.queue)
            self.clock.set(at)
            try:
                if step == "place":
                    placed += self._place(number, quiet=int(number[5:]) > self.size.orders - 10)
                    report("orders", placed, self.size.orders)
                else:
                    self._advance(step, number, couriers)
            except DomainError:
                continue  # a demo customer who asked for too much simply gets refused, as in life
        return placed

    def _place(self, number: str, quiet: bool) -> int:
        rng = self.rng
        customer = f"CUST-{rng.randint(1, self.size.customers):04d}"
        lines = [(sku, rng.choice((1, 1, 1, 2, 2, 3))) for sku in rng.sample(self.skus, rng.randint(1, 4))]
        lat, lon = _address_point(rng)
        now = self.clock.now()
        window_start = (now + timedelta(hours=rng.choice((1, 2, 2, 3)))).replace(minute=0, second=0, microsecond=0)
        self.app.place_order(
            customer, lines, {"label": "home", "text": f"{rng.randint(1, 999)} {rng.choice(STREETS)}, Shanghai",
                              "lat": lat, "lon": lon},
            window_start, window_start + timedelta(hours=2),
            warehouse_rule="split" if rng.random() < 0.1 else "nearest",
            require_delivery_code=rng.random() < 0.1, number=number,
        )
        if not quiet:
            if rng.random() < 0.04:
                self.schedule(now + timedelta(minutes=rng.randint(3, 30)), "cancel", number)
            else:
                self.schedule(now + timedelta(minutes=rng.randint(8, 30)), "pick", number)
        return 1

    def _advance(self, step: str, number: str, couriers: list[str]) -> None:
        app, rng, now = self.app, self.rng, self.clock.now()
        if step == "positions":
            app.report_positions_batch(self.rides.upload(now))
            if now + UPLOAD_EVERY > self.end:
                app.check_stale_positions(couriers)  # the day's last look for silent phones
        elif step == "cancel":
            app.cancel_order(number, "customer changed their mind")
        elif step == "pick":
            app.pick_order(number, picker="picker-1")
            self.schedule(now + timedelta(minutes=rng.randint(5, 15)), "pack", number)
        elif step == "pack":
            app.pack_order(number, packer="packer-1")
            self.schedule(now + timedelta(minutes=rng.randint(10, 50)), "hand", number)
        elif step == "hand":
            order = app.existing_order(number)
            warehouse_index = [w[0] for w in WAREHOUSES].index(order.lines[0]["warehouse"])
            courier = couriers[warehouse_index * COURIERS_PER_WAREHOUSE + rng.randrange(COURIERS_PER_WAREHOUSE)]
            app.hand_order_to_courier(number, courier)
            self.schedule(now + timedelta(minutes=rng.randint(2, 8)), "out", number)
        elif step == "out":
            app.send_order_out_for_delivery(number)
            if rng.random() < 0.05:
                self.schedule(now + timedelta(minutes=rng.randint(20, 60)), "fail", number)
            else:
                # Couriers aim for the promised window: most arrive inside it, a few are late.
                window_start = app.existing_order(number).window_start
                arrival = max(now + timedelta(minutes=rng.randint(15, 45)),
                              window_start + timedelta(minutes=rng.randint(0, 130)))
                self.schedule(arrival, "deliver", number)
        elif step == "deliver":
            code = app.delivery_code_for(number)
            if code is not None:
                app.deliver_order(number, "code", code)
            else:
                app.deliver_order(number, rng.choice(("photo", "signature")), f"pod/{number}.jpg")
        elif step == "fail":
            app.fail_delivery(number, rng.choice(("customer absent", "wrong address", "customer unreachable")))
            if rng.random() < 0.5:
                self.schedule(now + timedelta(minutes=rng.randint(30, 90)), "return", number)
            else:
                self.schedule(now + timedelta(minutes=rng.randint(30, 90)), "out", number)
        elif step == "return":
            app.return_order_to_warehouse(number, "undeliverable after a failed attempt")


def _zone_the_city(app: Peisong) -> None:
    """The served area cut into one zone per warehouse: every point goes to its nearest warehouse."""
    area = box(*SERVED_AREA)
    sites = {code: (lon, lat) for code, _, lat, lon in WAREHOUSES}
    cells = shapely.voronoi_polygons(MultiPoint(list(sites.values())), extend_to=area)
    for code, name, kind, warehouse in ZONES:
        site = shapely.Point(sites[warehouse])
        (cell,) = [c for c in cells.geoms if c.contains(site)]
        app.define_zone(code, name, kind, mapping(cell.intersection(area)))


def _staff_the_zones(app: Peisong) -> None:
    """Each warehouse's couriers work its district."""
    for n, courier in enumerate(courier_ids()):
        app.assign_courier_to_zone(ZONES[n // COURIERS_PER_WAREHOUSE][0], courier)


class _Rides:
    """Where the couriers on shift ride all day: from drop-off to drop-off within a few km of their
    warehouse, pausing at each, their phones pinging every minute and uploading every ten.

    COURIER-01 speeds for a few minutes after lunch and COURIER-07's phone dies half an hour before
    the day ends, so the dispatcher has alerts to look at."""

    SPEEDS = {"e-bike": 3.5, "tricycle": 3.0, "van": 5.5, "refrigerated van": 5.5}  # m/s through city traffic
    RADIUS_M = 4_000.0
    SPEEDER, SPEEDING_FROM, SPEEDING_MINUTES = "COURIER-01", timedelta(hours=5), 4
    SILENT, SILENT_FOR = "COURIER-07", timedelta(minutes=30)

    def __init__(self, start: datetime, end: datetime, seed: int) -> None:
        self.rng = random.Random(seed + 1)  # its own draws: the day's orders stay as they were
        self.start, self.end = start, end
        self.sent_until = start
        fleet_mix = ("e-bike", "e-bike", "tricycle", "van", "refrigerated van")
        self.riders: dict[str, dict[str, Any]] = {}
        for n, courier in enumerate(courier_ids()):
            _, _, lat, lon = WAREHOUSES[n // COURIERS_PER_WAREHOUSE]
            self.riders[courier] = {
                "home": (lat, lon), "lat": lat, "lon": lon, "speed": self.SPEEDS[fleet_mix[n % len(fleet_mix)]],
                "target": self._somewhere_near(lat, lon), "paused_until": start,
            }

    def upload(self, now: datetime) -> list[tuple[str, list[dict[str, Any]]]]:
        """Every courier's pings taken since the last upload, up to `now`."""
        reports: dict[str, list[dict[str, Any]]] = {courier: [] for courier in self.riders}
        moment = self.sent_until + PING_EVERY
        while moment <= now:
            for courier, rider in self.riders.items():
                fix = self._move(courier, rider, moment)
                if not (courier == self.SILENT and moment > self.end - self.SILENT_FOR):
                    reports[courier].append(fix)
            moment += PING_EVERY
        self.sent_until = moment - PING_EVERY
        return [(courier, pings) for courier, pings in reports.items() if pings]

    def _move(self, courier: str, rider: dict[str, Any], moment: datetime) -> dict[str, Any]:
        speed = rider["speed"]
        since = moment - self.start
        if courier == self.SPEEDER and self.SPEEDING_FROM <= since < self.SPEEDING_FROM + timedelta(
                minutes=self.SPEEDING_MINUTES):
            speed = 8.5  # 31 km/h on an e-bike built for 25
        moving = moment >= rider["paused_until"]
        if moving:
            step = speed * PING_EVERY.total_seconds()
            to_go = float(haversine_m(rider["lat"], rider["lon"], *rider["target"]))
            if to_go <= step:
                rider["lat"], rider["lon"] = rider["target"]
                rider["paused_until"] = moment + timedelta(minutes=self.rng.randint(4, 8))
                rider["target"] = self._somewhere_near(*rider["home"])
            else:
                share = step / to_go
                rider["lat"] += (rider["target"][0] - rider["lat"]) * share
                rider["lon"] += (rider["target"][1] - rider["lon"]) * share
        jitter = 4.0 / 111_320
        return {
            "at": moment, "lat": round(rider["lat"] + self.rng.uniform(-jitter, jitter), 6),
            "lon": round(rider["lon"] + self.rng.uniform(-jitter, jitter), 6),
            "speed": round(speed if moving else 0.0, 2), "accuracy": float(self.rng.randint(5, 15)),
        }

    def _somewhere_near(self, lat: float, lon: float) -> tuple[float, float]:
        distance = self.RADIUS_M * math.sqrt(self.rng.random())
        bearing = self.rng.uniform(0, 2 * math.pi)
        return (lat + distance * math.cos(bearing) / 111_320,
                lon + distance * math.sin(bearing) / (111_320 * math.cos(math.radians(lat))))


def _arrival_share(rng: random.Random) -> float:
    """Where in the day an order arrives: a lunch and an evening peak over a steady base."""
    draw = rng.random()
    if draw < 0.6:
        centre = 0.35 if draw < 0.3 else 0.8
        return min(max(rng.gauss(centre, 0.08), 0.0), 0.98)
    return rng.random() * 0.98


def _address_point(rng: random.Random) -> tuple[float, float]:
    lat = CITY_CENTRE[0] + rng.gauss(0, 0.07)
    lon = CITY_CENTRE[1] + rng.gauss(0, 0.08)
    return round(lat, 6), round(lon, 6)


def _customer_name(rng: random.Random) -> str:
    family = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma", "Zhu")
    given = ("Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Yan", "Jun", "Yong", "Hui", "Xia", "Tao", "Ming")
    return f"{rng.choice(family)} {rng.choice(given)}"


def demo_now() -> datetime:
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)
