"""A generated year of the shop's orders, put into a store through the application's batched commands.

`sim/history.py` draws the orders (trend, seasons, special days, noise); this module is the
client that makes them happen: it opens the shop (warehouses, catalogue, zones drawn on the
generated city's grid), registers each customer on their first order, books a delivery note per
warehouse every morning replacing what was sold the day before, and places the orders in
batches with `place_orders`, each stamped with the time it was placed. Nothing is written to a
table directly, so the projections see exactly what a real shop's log would show them.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain, islice
from typing import Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

from domain.allocation import by_distance
from domain.app import Peisong
from domain.clock import ManualClock
from domain.commands.orders import OrderRequest
from domain.errors import OutOfStock
from sim.catalogue import CatalogueItem, generate_catalogue
from sim.demo import WAREHOUSES
from sim.history import GeneratedOrder, ZoneSpec, generate_history, generate_order_stream, grid_zones

BATCH = 1_000  # orders per save: most of a save's cost is its commit, not its size
OPENING_DAYS = 14  # an opening stock lasts this many days of the first week's demand
TOP_UP_DAYS = 7  # a SKU that ran out gets this many days of its busiest day so far
PROMISE_HOURS = 2  # a delivery window opens this long after the next full hour, for two hours

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class HistoryPlan:
    """What to generate: ``days`` of orders ending at local midnight before ``until``, ``orders_per_day`` on an
    ordinary day at the start (the shop then grows), in ``zones`` zones of the generated city."""

    until: date
    days: int = 364
    orders_per_day: float = 300.0
    zones: int = 6
    seed: int = 2026
    skus: int = 300
    timezone: str = "Asia/Shanghai"

    @property
    def first_day(self) -> date:
        return self.until - timedelta(days=self.days)

    @property
    def start(self) -> datetime:
        """The history's first hour, as the naive local time the generator counts in."""
        return datetime.combine(self.first_day, datetime.min.time())

    def zone_specs(self) -> tuple[ZoneSpec, ...]:
        return grid_zones(self.zones, self.seed)

    def expected_orders(self) -> int:
        """The number of orders this plan yields (the generator's own count, before any is drawn)."""
        history = generate_history(self.seed, self.start, self.days, self.zone_specs(), self.orders_per_day)
        return int(history.counts.sum())

    @classmethod
    def for_orders(cls, orders: int, until: date, **fields: object) -> HistoryPlan:
        """The plan whose year holds about ``orders`` orders."""
        probe = cls(until=until, **fields)  # type: ignore[arg-type]
        scale = orders / max(probe.expected_orders(), 1)
        return cls(until=until, orders_per_day=probe.orders_per_day * scale, **fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ImportReport:
    orders: int
    events: int
    seconds: float
    top_ups: int

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def import_history(
    app: Peisong, clock: ManualClock, plan: HistoryPlan, progress: Progress | None = None
) -> ImportReport:
    """Open the shop and place the plan's orders; the clock ends at the local midnight after the history."""
    report = progress or (lambda stage, done, total: None)
    local = ZoneInfo(plan.timezone)
    started, head_before = time.perf_counter(), app.head_position()
    specs = plan.zone_specs()
    clock.set(_aware(plan.start - timedelta(days=1), local))
    catalogue = generate_catalogue(plan.skus, plan.seed)
    _open_shop(app, specs, catalogue)
    shop = _Shop(app, clock, local, [item.sku for item in catalogue])
    total = plan.expected_orders()
    stream = generate_order_stream(
        plan.seed, plan.start, plan.days, specs, plan.orders_per_day, skus=shop.skus,
    )
    days = _days(stream)
    first_week = list(islice(days, 7))
    shop.open_stock(_demand_of((o for _, orders in first_week for o in orders), shop), plan.first_day)
    placed = 0
    for day, orders in chain(first_week, days):
        shop.morning_delivery(day)
        for batch in _batches(orders, BATCH):
            shop.place(batch)
            placed += len(batch)
            report("orders", placed, total)
    clock.set(_aware(plan.start + timedelta(days=plan.days), local))
    return ImportReport(placed, app.head_position() - head_before, time.perf_counter() - started, shop.top_ups)


class _Shop:
    """The importer's side of the shop: who is registered, and what each warehouse sold yesterday."""

    def __init__(self, app: Peisong, clock: ManualClock, local: ZoneInfo, skus: list[str]) -> None:
        self.app, self.clock, self.local, self.skus = app, clock, local, skus
        self.sites = {code: (lat, lon) for code, _, lat, lon in WAREHOUSES}
        self.customers: set[str] = set()
        self.sold: Counter[tuple[str, str]] = Counter()
        self.busiest: Counter[tuple[str, str]] = Counter()
        self.top_ups = 0

    def nearest(self, order: GeneratedOrder) -> str:
        """Where the order will ship from while that warehouse has the goods (the 'nearest' rule)."""
        return by_distance(self.sites, order.lat, order.lon)[0]

    def open_stock(self, week: Counter[tuple[str, str]], first_day: date) -> None:
        """Enough of every SKU everywhere for the first fortnight, received the evening before opening."""
        self.clock.set(_aware(datetime.combine(first_day, datetime.min.time()), self.local) - timedelta(hours=6))
        for code in self.sites:
            lines = [(code, sku, max(20, OPENING_DAYS * week[(code, sku)] // 7 + 5)) for sku in self.skus]
            self.app.receive_stock_batch(lines, reference=f"opening stock {code}")

    def morning_delivery(self, day: date) -> None:
        """At midnight every warehouse gets back what it sold the day before (booked before any order of
        the day, so the log stays in business-time order)."""
        self.clock.set(_aware(datetime.combine(day, datetime.min.time()), self.local))
        for code in self.sites:
            lines = [(code, sku, units) for (where, sku), units in sorted(self.sold.items()) if where == code]
            if lines:
                self.app.receive_stock_batch(lines, reference=f"delivery note {code} {day.isoformat()}")
        for key, units in self.sold.items():
            self.busiest[key] = max(self.busiest[key], units)
        self.sold.clear()

    def place(self, batch: list[GeneratedOrder]) -> None:
        """New customers sign up as the batch opens; its orders are placed at once, as of its last order."""
        self.clock.set(max(self.clock.now(), _aware(batch[0].placed_at, self.local)))
        for order in batch:
            if order.customer not in self.customers:
                self._register(order)
        self.clock.set(max(self.clock.now(), _aware(batch[-1].placed_at, self.local)))
        requests = [self._request(order) for order in batch]
        while True:
            try:
                self.app.place_orders(requests)
                break
            except OutOfStock as shortage:
                self._top_up(batch[shortage.ids.get("index", 0)])
        for order in batch:
            code = self.nearest(order)
            for line in order.lines:
                self.sold[(code, line.sku)] += line.quantity

    def _request(self, order: GeneratedOrder) -> OrderRequest:
        placed = _aware(order.placed_at, self.local)
        opens = placed.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1 + PROMISE_HOURS)
        return OrderRequest(
            customer=order.customer, lines=[(line.sku, line.quantity) for line in order.lines],
            address={"label": "home", "text": f"{order.zone} delivery address", "lat": order.lat, "lon": order.lon},
            window_start=opens, window_end=opens + timedelta(hours=2), placed_at=placed,
        )

    def _register(self, order: GeneratedOrder) -> None:
        self.app.register_customer(
            order.customer, f"Customer {order.customer}", "+86 138 0000 0000",
            [{"label": "home", "text": f"{order.zone} delivery address", "lat": order.lat, "lon": order.lon}],
        )
        self.customers.add(order.customer)

    def _top_up(self, order: GeneratedOrder) -> None:
        """A batch was refused for want of stock: the nearest warehouse gets a week of the busiest day."""
        code = self.nearest(order)
        lines = [
            (code, line.sku, max(TOP_UP_DAYS * self.busiest[(code, line.sku)], 10 * line.quantity))
            for line in order.lines
        ]
        self.app.receive_stock_batch(lines, reference=f"urgent top-up {code}")
        self.top_ups += 1


def _open_shop(app: Peisong, specs: Iterable[ZoneSpec], catalogue: Iterable[CatalogueItem]) -> None:
    for code, name, lat, lon in WAREHOUSES:
        app.register_warehouse(code, name, lat, lon, opens="07:00", closes="23:00",
                               purchasing_contact=f"purchasing+{code.lower()}@shop.example")
    for item in catalogue:
        app.add_product(item.sku, item.name, item.weight_kg, item.volume_l, item.price, item.category)
    for spec in specs:
        kind = "business" if spec.office > 0.6 else "residential" if spec.office < 0.4 else "mixed"
        ring = [[spec.west, spec.south], [spec.east, spec.south], [spec.east, spec.north], [spec.west, spec.north],
                [spec.west, spec.south]]
        app.define_zone(spec.name, f"Zone {spec.name}", kind, {"type": "Polygon", "coordinates": [ring]})


def _demand_of(orders: Iterable[GeneratedOrder], shop: _Shop) -> Counter[tuple[str, str]]:
    week: Counter[tuple[str, str]] = Counter()
    for order in orders:
        code = shop.nearest(order)
        for line in order.lines:
            week[(code, line.sku)] += line.quantity
    return week


def _days(orders: Iterable[GeneratedOrder]) -> Iterator[tuple[date, list[GeneratedOrder]]]:
    day: date | None = None
    bucket: list[GeneratedOrder] = []
    for order in orders:
        if order.placed_at.date() != day:
            if bucket:
                yield day, bucket  # type: ignore[misc]
            day, bucket = order.placed_at.date(), []
        bucket.append(order)
    if bucket:
        yield day, bucket  # type: ignore[misc]


def _batches(orders: list[GeneratedOrder], size: int) -> Iterator[list[GeneratedOrder]]:
    for start in range(0, len(orders), size):
        yield orders[start:start + size]


def _aware(moment: datetime, local: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=local)
