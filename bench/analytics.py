"""A year of generated orders, projected and queried: events/s projected, the p99 of the analysis queries, and the
forecast's backtest error against the seasonal-naive baseline.

Run: ``python bench/analytics.py [--store bench/data] [--orders 1100000] [--seed 2026] [--queries 300]``.
The year (trend, seasons, the Spring Festival, promotions, noise: `sim/history.py`) goes into the store once,
through the application's batched command path (`sim/shop_history.py`: `place_orders`, a thousand orders a
save, each stamped with its own business time), as ``<store>/history-<orders>-<seed>.db``, and is reused by
later runs. The analytics projection is then rebuilt from zero over the whole log (every event is read; only
the orders and products are counted), the analysis queries are timed over random date ranges, zones and
warehouses (the projection functions the resolvers call, and whole GraphQL requests through the ASGI app),
and the last four weeks are backtested.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import warnings
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

# bench/ holds scripts named like the packages they measure (bench/solver.py): import the packages.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

from domain.app import Peisong  # noqa: E402
from domain.clock import ManualClock  # noqa: E402
from domain.settings import Settings  # noqa: E402
from projections.analytics import AnalyticsProjector  # noqa: E402
from projections.database import ReadDatabase  # noqa: E402
from projections.order_analysis import (  # noqa: E402
    DayRange, heat_grid, hourly_history, order_sizes, order_totals, order_zones, orders_by_category, orders_by_date,
    orders_by_hour_of_week, orders_by_warehouse, orders_by_zone, peak_hours,
)
from projections.replay import rebuild  # noqa: E402
from sim.demo import WAREHOUSES  # noqa: E402
from sim.shop_history import HistoryPlan, import_history  # noqa: E402
from solver.forecast import backtest  # noqa: E402

UNTIL = date(2025, 12, 1)  # the year runs from 2 December 2024; the weeks scored hold Double 11
BACKTEST_WEEKS = 4
TARGET_MS = 50.0
GRAPHQL = """
query Analysis($from: Date, $to: Date, $zone: String) {
  orderAnalysis(from: $from, to: $to, zone: $zone) {
    total { orders units weightKg volumeL }
    byZone { zone figures { orders } }
    byHourOfWeek { weekday hour ordersPerHour }
  }
  peakHours(from: $from, to: $to, zone: $zone) { peaks { label } }
}
"""


def generate(app: Peisong, clock: ManualClock, plan: HistoryPlan) -> None:
    print(f"generating {plan.days} days to {plan.until} through place_orders: about {plan.expected_orders():,} "
          f"orders in {plan.zones} zones (seed {plan.seed})", flush=True)
    shown = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        if done / total >= shown[0] + 0.1:
            shown[0] = done / total
            print(f"  {done:,} of {total:,} orders, {app.head_position():,} events", flush=True)

    report = import_history(app, clock, plan, progress)
    print(f"generated {report.orders:,} orders ({report.events:,} events) in {report.seconds:.0f} s: "
          f"{report.orders_per_second:,.0f} orders/s, {report.events_per_second:,.0f} events/s; "
          f"{report.top_ups} urgent top-ups", flush=True)


def random_range(rng: random.Random, first: date, last: date) -> DayRange:
    length = rng.choice((7, 14, 28, 91, 182, 364))
    length = min(length, (last - first).days + 1)
    start = first + timedelta(days=rng.randrange((last - first).days + 2 - length))
    return DayRange(start, start + timedelta(days=length - 1))


def time_queries(db: ReadDatabase, rng: random.Random, rounds: int, first: date, last: date,
                 zones: list[str | None]) -> dict[str, list[float]]:
    warehouses = [code for code, *_ in WAREHOUSES]
    kinds: dict[str, Callable[[DayRange, str | None, str | None], Any]] = {
        "total": lambda r, z, w: order_totals(db, r, z, w),
        "byDate": lambda r, z, w: orders_by_date(db, r, z, w),
        "byHourOfWeek": lambda r, z, w: orders_by_hour_of_week(db, r, z, w),
        "byZone": lambda r, z, w: orders_by_zone(db, r, w),
        "byWarehouse": lambda r, z, w: orders_by_warehouse(db, r, z),
        "byCategory": lambda r, z, w: orders_by_category(db, r, z, w),
        "peakHours": lambda r, z, w: peak_hours(db, r, z),
        "heatGrid": lambda r, z, w: heat_grid(db, r, rng.choice((250, 500, 1000)), z),
        "orderSizeDistribution": lambda r, z, w: order_sizes(db, r, z),
    }
    timings: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(rounds):
        span = random_range(rng, first, last)
        zone = rng.choice([None, None, *zones])
        warehouse = rng.choice([None, None, *warehouses])
        for name, query in kinds.items():
            began = time.perf_counter()
            query(span, zone, warehouse)
            timings[name].append((time.perf_counter() - began) * 1000)
    return timings


def time_graphql(settings: Settings, clock: ManualClock, rng: random.Random, rounds: int, first: date, last: date,
                 zones: list[str | None]) -> list[float]:
    """Whole requests through the ASGI app: parsing, roles, resolvers and serialisation included."""
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

    from api.app import create_app
    from api.auth import issue_token

    headers = {"Authorization": f"Bearer {issue_token(settings, 'dispatcher')}"}
    timings = []
    with TestClient(create_app(settings, clock=clock, run_worker=False)) as client:
        for _ in range(rounds):
            span = random_range(rng, first, last)
            variables = {"from": span.first.isoformat(), "to": span.last.isoformat(),
                         "zone": rng.choice([None, *zones])}
            began = time.perf_counter()
            response = client.post("/graphql", json={"query": GRAPHQL, "variables": variables}, headers=headers)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200 and "errors" not in response.json(), response.text
    return timings


def p99(values: list[float]) -> float:
    return float(np.percentile(values, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path(__file__).resolve().parent / "data",
                        help="folder the generated history is kept in for re-runs")
    parser.add_argument("--orders", type=int, default=1_100_000, help="orders in the generated year (about)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--zones", type=int, default=6)
    parser.add_argument("--queries", type=int, default=300, help="random ranges each analysis query is timed on")
    parser.add_argument("--no-rebuild", action="store_true",
                        help="time the queries over the analytics tables a previous run left (skip the rebuild)")
    args = parser.parse_args()

    args.store.mkdir(parents=True, exist_ok=True)
    path = (args.store / f"history-{args.orders}-{args.seed}.db").resolve()
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=args.store.resolve(), secret_key="bench-analytics")
    clock = ManualClock(datetime.now(timezone.utc))
    app = Peisong(settings, clock)
    plan = HistoryPlan.for_orders(args.orders, UNTIL, zones=args.zones, seed=args.seed)
    if app.head_position() == 0:
        generate(app, clock, plan)
    else:
        print(f"reusing {path}: {app.head_position():,} events", flush=True)

    db = ReadDatabase(settings)
    first, last = plan.first_day, UNTIL - timedelta(days=1)
    if not args.no_rebuild:
        stats = rebuild(app, db, projections=[AnalyticsProjector(settings.business_timezone)])
        total = order_totals(db, DayRange(first, last))
        print(f"projected {stats.events:,} events ({total.orders:,} orders, {total.units:,} units) into the "
              f"analytics tables in {stats.seconds:.1f} s: {stats.rate:,.0f} events/s")

    zones = order_zones(db)
    rng = random.Random(args.seed)
    time_queries(db, rng, 3, first, last, zones)  # warm the page cache and the statement cache
    timings = time_queries(db, rng, args.queries, first, last, zones)
    print(f"analysis queries over random ranges of 7 to 364 days, zones and warehouses ({args.queries} each):")
    for name, values in timings.items():
        print(f"  {name:<22} p50 {statistics.median(values):6.1f} ms   p99 {p99(values):6.1f} ms   "
              f"max {max(values):6.1f} ms")
    everything = [v for values in timings.values() for v in values]
    verdict = "within" if p99(everything) < TARGET_MS else "OVER"
    print(f"p99 of all analysis queries: {p99(everything):.1f} ms ({verdict} the {TARGET_MS:.0f} ms target)")
    requests = time_graphql(settings, clock, rng, max(args.queries // 3, 50), first, last, zones)
    print(f"GraphQL orderAnalysis + peakHours requests: p50 {statistics.median(requests):.1f} ms, "
          f"p99 {p99(requests):.1f} ms")

    history = hourly_history(db, UNTIL, zones)
    began = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):
        result = backtest(history, weeks=BACKTEST_WEEKS)  # type: ignore[arg-type]
    print(f"backtest of the last {BACKTEST_WEEKS} weeks ({len(zones)} zones, each week forecast from the weeks "
          f"before it, {time.perf_counter() - began:.1f} s):")
    for week in result.weeks:
        print(f"  week from {week.start:%Y-%m-%d}: model WAPE {week.model_wape:.1%}, "
              f"baseline WAPE {week.baseline_wape:.1%}")
    print(f"the model's error is {result.improvement:.1%} lower than the seasonal-naive baseline's")
    print(f"model WAPE: {result.model_wape:.1%}")
    print(f"baseline WAPE: {result.baseline_wape:.1%}")
    db.close()
    app.close()


if __name__ == "__main__":
    main()
