"""A generated city planned in waves through the application: how fast, how punctual, how far, how many vehicles.

Run: ``python bench/city.py`` (scaled down: a tenth of the city, 10:00-14:00, a few minutes)
or ``python bench/city.py --full`` (4 warehouses, 300 couriers, 20,000 orders, 07:00-23:00).

The city: the demo's four Shanghai warehouses, each serving the doors a few kilometres around
it, couriers on three overlapping shifts with the demo's fleet mix (e-bikes, tricycles, vans,
refrigerated vans), orders arriving through the day
with a lunch and an evening peak (the shape of sim/history.py's workdays), each picked and
packed 10 to 30 minutes after it is placed and promised a two-hour window. Everything goes
through the application's commands, with the default settings: the wave scheduler of
api/routing/waves.py plans every warehouse's packed orders every few minutes, the planning
worker solves the plans in solver processes and dispatches them, the dispatch policy assigns
the orders. The business clock is simulated, except while the planning machinery works: then
it runs with the wall clock, so the time an order waits for its courier includes the real time
its plan took to make (on this machine, with whatever else it is doing).

It prints orders planned per second of wall time (spent planning), the on-time rate (planned
service start inside the promised window), km per order, vehicles used, and the p95 time from
an order being packed (ready for dispatch) to its assignment to a courier.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

# bench/ holds scripts named like the packages they measure (bench/solver.py): import the packages.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from eventsourcing.utils import get_topic  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from api.routing.waves import WaveScheduler  # noqa: E402
from api.routing.worker import PlanningWorker  # noqa: E402
from domain.app import Peisong  # noqa: E402
from domain.errors import DomainError  # noqa: E402
from domain.orders import Order  # noqa: E402
from domain.routing import RoutePlan  # noqa: E402
from domain.settings import Settings  # noqa: E402
from projections.database import ReadDatabase  # noqa: E402
from projections.routes import left_out_orders, planned_routes, planned_stops, route_plans  # noqa: E402
from projections.runner import ProjectionRunner  # noqa: E402
from sim.demo import VEHICLE_TYPES, WAREHOUSES  # noqa: E402
from sim.history import HOME_WORKDAY, OFFICE_WORKDAY  # noqa: E402

TIMEZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 26)  # a Thursday
FULL_ORDERS = 20_000
FULL_COURIERS = 300
SHIFTS = ((7, 19), (11, 23))  # local hours: both on the road from the lunch peak through the evening one
# Each warehouse's couriers on one shift, in this order: small crews still get a van of each kind.
FLEET_MIX = ("e-bike", "refrigerated van", "tricycle", "e-bike", "van", "e-bike", "tricycle")
CUSTOMERS = 500
RADIUS_DEG = 0.02  # doors spread about 2 km (one standard deviation) around their warehouse
DRAIN_MINUTES = 30  # after the last arrival, waves go on until what was packed is planned
# sku, name, kg, litres, price, category, how often it is bought (frozen goods travel refrigerated, storage
# boxes are bulky)
CATALOGUE = (
    ("RICE-5KG", "Northeast rice 5 kg", "5", "6.5", "39.90", "grocery", 8),
    ("NOODLES", "Dried noodles", "1", "1.5", "15.80", "grocery", 10),
    ("MILK-1L", "Whole milk 1 L", "1.05", "1", "12.50", "fresh", 15),
    ("EGGS-10", "Free-range eggs x10", "0.6", "1.2", "19.90", "fresh", 10),
    ("DUMPLINGS", "Pork dumplings", "1", "1.6", "28.00", "frozen", 3),
    ("ICE-CREAM", "Ice cream tub", "0.9", "1.2", "35.00", "frozen", 2),
    ("WATER-12", "Mineral water 12 x 550 ml", "6.8", "8", "24.00", "drinks", 6),
    ("TEA-200G", "Oolong tea 200 g", "0.25", "0.7", "128.00", "drinks", 6),
    ("TISSUES", "Tissues x10", "1.2", "9", "29.90", "household", 8),
    ("STORAGE-BOX", "Storage box", "0.9", "24", "45.00", "household", 2),
)
# Relative orders per hour of the day: half offices, half homes.
HOURLY = [(o / sum(OFFICE_WORKDAY) + h / sum(HOME_WORKDAY)) / 2 for o, h in zip(OFFICE_WORKDAY, HOME_WORKDAY)]


class FlowingClock:
    """Simulated business time that can be made to run with the wall clock for a while."""

    def __init__(self, start: datetime) -> None:
        self._base = start
        self._since: float | None = None

    def now(self) -> datetime:
        if self._since is None:
            return self._base
        return self._base + timedelta(seconds=time.perf_counter() - self._since)

    def set(self, moment: datetime) -> None:
        self._base = max(moment, self.now())
        if self._since is not None:
            self._since = time.perf_counter()

    def flow(self) -> None:
        self._base, self._since = self.now(), time.perf_counter()

    def hold(self) -> None:
        self._base, self._since = self.now(), None


@dataclass(frozen=True)
class City:
    couriers: int
    orders_per_day: int
    start_hour: int
    end_hour: int


def local(hour: float) -> datetime:
    return datetime.combine(DAY, datetime.min.time(), tzinfo=TIMEZONE) + timedelta(hours=hour)


def build(app: Peisong, clock: FlowingClock, city: City, rng: random.Random) -> list[tuple[datetime, int, str, str]]:
    """The shop, its fleet and couriers, and the day's events: shifts starting, orders placed, picked, packed."""
    clock.set(local(5))
    for code, name, lat, lon in WAREHOUSES:
        app.register_warehouse(code, name, lat, lon, opens="07:00", closes="23:00",
                               purchasing_contact=f"buyer+{code.lower()}@shop.example")
    for sku, name, kg, litres, price, category, _ in CATALOGUE:
        app.add_product(sku, name, kg, litres, price, category)
    for code, *_ in WAREHOUSES:
        app.receive_stock_batch([(code, sku, 1_000_000) for sku, *_ in CATALOGUE], reference=f"opening {code}")
    for i in range(CUSTOMERS):
        lat, lon = address(rng)
        app.register_customer(f"CUST-{i:04d}", f"Customer {i}", "+86 138 0000 0000",
                              [{"label": "home", "text": f"home {i}", "lat": lat, "lon": lon}])
    for name, kg, litres, cruise, top, per_km, per_hour, per_day, skills in VEHICLE_TYPES:
        app.define_vehicle_type(name, kg, litres, cruise, top, per_km, per_hour, per_day, skills=skills)

    events: list[tuple[datetime, int, str, str]] = []
    for n in range(city.couriers):
        courier, plate = f"RIDER-{n + 1:03d}", f"沪C-{n + 1:05d}"
        crew, member = divmod(n, len(WAREHOUSES) * len(SHIFTS))  # the member-th courier of each crew
        kind = FLEET_MIX[crew % len(FLEET_MIX)]
        app.register_vehicle(plate, kind)
        app.receive_courier_application(courier, f"Rider {n + 1}", "+86 139 0000 0000", f"31010119900101{n:04d}",
                                        3, "C1")
        app.screen_courier(courier, True, "background check clear", checked_by="hr")
        for course in app.settings.courier_required_courses:
            app.record_courier_training(courier, course, "4", 90)
        app.certify_courier(courier)
        app.activate_courier(courier)
        if kind == "refrigerated van":
            app.grant_courier_skill(courier, "cold_chain")
        opens, closes = SHIFTS[member // len(WAREHOUSES)]
        if closes <= city.start_hour or opens >= city.end_hour + 1:
            continue  # never on the road while the bench runs
        warehouse = WAREHOUSES[member % len(WAREHOUSES)][0]
        shift = app.plan_shift(courier, local(opens), local(closes), warehouse, vehicle=plate)["shift"]
        events.append((max(local(opens), local(city.start_hour)), 0, "start", f"{courier} {shift}"))

    share = sum(HOURLY[city.start_hour:city.end_hour]) / sum(HOURLY[7:22])
    hours = list(range(city.start_hour, city.end_hour))
    for i in range(round(city.orders_per_day * share)):
        placed = local(rng.choices(hours, weights=[HOURLY[h] for h in hours])[0] + rng.random())
        number = f"CITY-{i + 1:05d}"
        events.append((placed, 1, "place", number))
        picked = placed + timedelta(minutes=rng.uniform(5, 15))
        events.append((picked, 2, "pick", number))
        events.append((picked + timedelta(minutes=rng.uniform(5, 15)), 3, "pack", number))
    heapq.heapify(events)
    return events


def address(rng: random.Random) -> tuple[float, float]:
    """A door within a few kilometres of one of the warehouses: each serves its own part of the city."""
    _, _, lat, lon = rng.choice(WAREHOUSES)
    return round(lat + rng.gauss(0, RADIUS_DEG), 6), round(lon + rng.gauss(0, RADIUS_DEG * 1.17), 6)


def happen(app: Peisong, kind: str, subject: str, rng: random.Random, ready: dict[str, datetime]) -> None:
    now = app.clock.now()
    if kind == "start":
        courier, shift = subject.split()
        app.start_shift(courier, shift)
    elif kind == "place":
        lat, lon = address(rng)
        window = (now + timedelta(hours=rng.choice((1, 2, 2, 3)))).replace(minute=0, second=0, microsecond=0)
        picks = rng.choices(CATALOGUE, weights=[item[-1] for item in CATALOGUE], k=rng.randint(1, 3))
        lines = [(sku, rng.choice((1, 1, 2))) for sku in dict.fromkeys(item[0] for item in picks)]
        app.place_order(f"CUST-{rng.randrange(CUSTOMERS):04d}", lines,
                        {"label": "drop", "text": subject, "lat": lat, "lon": lon},
                        window, window + timedelta(hours=2), number=subject)
    elif kind == "pick":
        app.pick_order(subject, picker="picker")
    else:
        app.pack_order(subject, packer="packer")
        ready[subject] = now


def run(city: City, store: Path, seed: int) -> None:
    rng = random.Random(seed)
    settings = Settings(database_url=f"sqlite:///{store}", data_dir=store.parent, secret_key="bench")
    clock = FlowingClock(local(5))
    app = Peisong(settings, clock)
    db = ReadDatabase(settings)
    runner = ProjectionRunner(app, db)
    waves = WaveScheduler(app, db, settings)
    worker = PlanningWorker(app, db, settings, runner)
    began = time.perf_counter()
    events = build(app, clock, city, rng)
    orders = sum(1 for *_, kind, _ in events if kind == "place")
    print(f"city: {len(WAREHOUSES)} warehouses, {city.couriers} couriers on shifts "
          f"{', '.join(f'{a:02d}-{b:02d}' for a, b in SHIFTS)}, {city.orders_per_day:,} orders a day; simulating "
          f"{city.start_hour:02d}:00-{city.end_hour:02d}:00 ({orders:,} orders) and {DRAIN_MINUTES} more minutes; "
          f"waves every {settings.wave_minutes} min, {settings.wave_seconds_per_order:g} s of search per order "
          f"(at least 1 s, at most {settings.wave_time_limit_seconds:g} s), "
          f"{worker.slots} solver processes", flush=True)
    runner.catch_up()
    print(f"  set up in {time.perf_counter() - began:.0f} s", flush=True)

    ready: dict[str, datetime] = {}
    planning_wall = 0.0
    tick, end = local(city.start_hour), local(city.end_hour) + timedelta(minutes=DRAIN_MINUTES)
    while tick <= end:
        while events and events[0][0] <= tick:
            at, _, kind, subject = heapq.heappop(events)
            clock.set(at)
            try:
                happen(app, kind, subject, rng, ready)
            except DomainError as refusal:
                print(f"  {kind} {subject} refused: {refusal.message}", file=sys.stderr)
        clock.set(tick)
        runner.catch_up()
        clock.flow()  # from here the business clock runs with the wall clock
        started = time.perf_counter()
        if waves.tick():
            worker.solve_waiting()
            runner.catch_up()
            planning_wall += time.perf_counter() - started
        clock.hold()
        if tick.minute == 0:
            print(f"  {tick.astimezone(TIMEZONE):%H:%M} {len(ready):,} orders packed, {time.perf_counter() - began:.0f} s",
                  flush=True)
        tick = max(tick + timedelta(minutes=1), clock.now().replace(second=0, microsecond=0))
    report(app, db, ready, planning_wall, time.perf_counter() - began, city)
    worker.stop()
    waves.stop()
    db.close()
    app.close()


def report(app: Peisong, db: ReadDatabase, ready: dict[str, datetime], planning_wall: float, wall: float,
           city: City) -> None:
    assigned: dict[str, datetime] = {}
    for event in logged(app, Order.OrderAssigned):  # type: ignore[attr-defined]
        assigned.setdefault(str(event.originator_id), event.timestamp)
    first_planned: dict[str, datetime] = {}
    for event in logged(app, RoutePlan.RoutePlanRequested):  # type: ignore[attr-defined]
        for number in event.orders:
            first_planned.setdefault(str(Order.create_id(number)), event.timestamp)
    waits = sorted((assigned[str(Order.create_id(n))] - at).total_seconds() / 60
                   for n, at in ready.items() if str(Order.create_id(n)) in assigned)
    to_wave = sorted((first_planned[str(Order.create_id(n))] - at).total_seconds() / 60
                     for n, at in ready.items() if str(Order.create_id(n)) in first_planned)
    with db.read() as conn:
        live = select(route_plans.c.plan).where(route_plans.c.status.in_(("DISPATCHED", "COMPLETED")))
        plans = conn.execute(select(route_plans.c.plan, route_plans.c.solver, route_plans.c.orders)
                             .where(route_plans.c.plan.in_(live))).all()
        stops = conn.execute(select(planned_stops.c.on_time).where(
            planned_stops.c.plan.in_(live), planned_stops.c.kind == "delivery")).scalars().all()
        routes = conn.execute(select(planned_routes.c.vehicle, planned_routes.c.distance_m).where(
            planned_routes.c.plan.in_(live))).all()
        statuses = dict(conn.execute(select(route_plans.c.status, func.count()).group_by(route_plans.c.status)).all())
        reasons = dict(conn.execute(select(left_out_orders.c.code, func.count()).group_by(left_out_orders.c.code))
                       .all())
    runtimes = [json.loads(solver)["runtime_s"] for _, solver, _ in plans]
    planned = len(stops)
    km = sum(d for _, d in routes) / 1000
    p95, median = percentile(waits, 0.95), percentile(waits, 0.5)
    print(f"plans: {', '.join(f'{n:,} {status.lower()}' for status, n in sorted(statuses.items()))}; "
          f"{sum(o for *_, o in plans) / max(len(plans), 1):.1f} orders asked per plan, "
          f"{sum(runtimes) / max(len(runtimes), 1):.2f} s solver time per plan")
    print(f"left out (and tried again next wave): {', '.join(f'{n:,} {code}' for code, n in sorted(reasons.items()))}")
    print(f"orders planned per second of wall time: {planned / planning_wall:.1f} "
          f"({planned:,} orders routed in {planning_wall:.0f} s of planning; the whole run took {wall:.0f} s)")
    print(f"on-time rate: {sum(1 for s in stops if s) / max(planned, 1):.1%} "
          f"(planned service start inside the promised window)")
    print(f"km per order: {km / max(planned, 1):.2f} ({km:,.0f} km)")
    print(f"vehicles used: {len({v for v, _ in routes})} of {city.couriers}")
    print(f"p95 order-to-assignment: {p95:.1f} min (median {median:.1f} min; {len(waits):,} of {len(ready):,} "
          f"packed orders assigned)")
    print(f"  of which waiting for the first wave to plan it: p95 {percentile(to_wave, 0.95):.1f} min "
          f"(median {percentile(to_wave, 0.5):.1f} min); the rest is waiting for a free courier")


def percentile(values: list[float], share: float) -> float:
    return values[max(0, int(round(share * len(values))) - 1)] if values else float("nan")


def logged(app: Peisong, kind: type) -> Iterator[Any]:
    """Every event of this kind in the log, oldest first."""
    start, topic = 1, get_topic(kind)
    while page := app.recorder.select_notifications(start=start, limit=5_000, topics=[topic]):
        yield from (app.decode(notification) for notification in page)
        start = page[-1].id + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the whole city and day: 300 couriers, 20,000 orders")
    parser.add_argument("--scale", type=float, default=None, help="share of the full city (default 0.1)")
    parser.add_argument("--hours", default=None, help="local hours simulated, e.g. 10-14 (default 10-14; --full 7-23)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", type=Path, default=None, help="where the event store goes (default: a temp dir)")
    args = parser.parse_args()
    scale = args.scale if args.scale is not None else (1.0 if args.full else 0.1)
    hours = args.hours or ("7-23" if args.full else "10-14")
    first, last = (int(h) for h in hours.split("-"))
    city = City(couriers=max(len(WAREHOUSES), round(FULL_COURIERS * scale)),
                orders_per_day=round(FULL_ORDERS * scale), start_hour=first, end_hour=last)
    folder = args.store.parent if args.store else Path(tempfile.mkdtemp(prefix="peisong-city-"))
    store = args.store or folder / "peisong.db"
    if store.exists():
        sys.exit(f"{store} exists: the bench builds its city in a fresh store")
    run(city, store.resolve(), args.seed)


if __name__ == "__main__":
    main()
