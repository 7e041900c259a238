"""How fast the write path places orders, measured against a raw sqlite3 loop on the same disk.

Run: ``python bench/commands.py [--orders 10000] [--profile]``. The orders go through
``Peisong.place_order`` (what the GraphQL resolver calls) on a fresh SQLite store with
fsync left on, so the figure includes every guarantee: validation, warehouse choice,
optimistic concurrency, one atomic save per order.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

# Run as a script, this folder comes first on sys.path, where bench/solver.py would shadow the solver package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from domain.app import Peisong  # noqa: E402
from domain.clock import ManualClock  # noqa: E402
from domain.orders import Order  # noqa: E402
from domain.settings import Settings  # noqa: E402
from domain.stock import StockItem  # noqa: E402

START = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
WAREHOUSES = [("WH-PD", 31.22, 121.54), ("WH-XH", 31.18, 121.43), ("WH-JA", 31.23, 121.45), ("WH-BS", 31.40, 121.49)]
UNITS_PER_ITEM = 1000


def seeded_shop(app: Peisong, rng: random.Random, skus: int, customers: int) -> tuple[list[str], list[tuple[str, dict]]]:
    """A few warehouses, a few hundred SKUs stocked everywhere, and customers spread over the city."""
    for code, lat, lon in WAREHOUSES:
        app.register_warehouse(code, code, lat, lon)
    names = [f"SKU-{i:04d}" for i in range(skus)]
    for sku in names:
        app.add_product(sku, sku, f"{rng.uniform(0.1, 5):.2f}", f"{rng.uniform(0.1, 9):.2f}",
                        f"{rng.uniform(1, 300):.2f}", "grocery")
    app.receive_stock_batch([(code, sku, UNITS_PER_ITEM) for code, _, _ in WAREHOUSES for sku in names],
                            reference="opening stock")
    people = []
    for i in range(customers):
        home = {"lat": round(rng.uniform(31.10, 31.40), 5), "lon": round(rng.uniform(121.30, 121.60), 5), "text": "home"}
        app.register_customer(f"C-{i:05d}", f"Customer {i}", "+86 138 0000 0000", [home])
        people.append((f"C-{i:05d}", home))
    return names, people


def place_orders(app: Peisong, clock: ManualClock, rng: random.Random, skus: list[str],
                 people: list[tuple[str, dict]], n: int) -> tuple[float, float, list[str]]:
    """Wall and CPU seconds for `n` orders of 2-4 lines each (the requests are drawn beforehand)."""
    requests = []
    for _ in range(n):
        reference, home = rng.choice(people)
        lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(2, 4))]
        requests.append((reference, lines, home))
    numbers = []
    began, cpu_began = time.perf_counter(), time.process_time()
    for reference, lines, home in requests:
        clock.advance(timedelta(milliseconds=50))
        start = clock.now() + timedelta(hours=2)
        result = app.place_order(reference, lines, home, start, start + timedelta(hours=2))
        numbers.append(result["number"])
    return time.perf_counter() - began, time.process_time() - cpu_began, numbers


def check_stock(app: Peisong, numbers: list[str]) -> None:
    """Reserved stock per item must equal the sum of the order lines that reserved it."""
    wanted: Counter[tuple[str, str]] = Counter()
    for number in numbers:
        for code, sku, quantity in app.repository.get(Order.create_id(number)).allocations:
            wanted[(code, sku)] += quantity
    for (code, sku), quantity in wanted.items():
        item = app.repository.get(StockItem.create_id(code, sku))
        assert item.reserved == quantity, f"{code}/{sku}: reserved {item.reserved}, orders hold {quantity}"
        assert item.available >= 0
    print(f"stock checked: {len(wanted)} items, {sum(wanted.values())} units reserved, all matching the orders")


def raw_sqlite_loop(path: Path, transactions: int, rows: int, row_bytes: int) -> float:
    """The same row count, one transaction per order, in eventsourcing's table shape and WAL mode."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
               "state BLOB, PRIMARY KEY (originator_id, originator_version))")
    payload = b"x" * row_bytes
    per_tx = [rows // transactions + (1 if i < rows % transactions else 0) for i in range(transactions)]
    began = time.perf_counter()
    row = 0
    for count in per_tx:
        db.execute("BEGIN")
        for _ in range(count):
            db.execute("INSERT INTO stored_events VALUES (?,?,?,?)", (f"{row:032x}", 1, "bench:Row", payload))
            row += 1
        db.execute("COMMIT")
    elapsed = time.perf_counter() - began
    db.close()
    return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--skus", type=int, default=300)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the order loop")
    parser.add_argument("--dir", default=None, help="where the stores go (e.g. /dev/shm to take the disk out)")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="peisong-bench-", dir=args.dir) as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/peisong.db", data_dir=Path(tmp), secret_key="bench")
        clock = ManualClock(START)
        app = Peisong(settings, clock)
        skus, people = seeded_shop(app, rng, args.skus, args.customers)
        head_before = app.head_position()
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        elapsed, cpu, numbers = place_orders(app, clock, rng, skus, people, args.orders)
        if profiler:
            profiler.disable()
        events = app.head_position() - head_before
        sizes = app.recorder.select_notifications(start=head_before + 1, limit=2000)
        row_bytes = sum(len(n.state) for n in sizes) // max(len(sizes), 1)
        check_stock(app, numbers)
        app.close()
        raw = raw_sqlite_loop(Path(tmp) / "raw.db", args.orders, events, row_bytes)

    orders_per_s = args.orders / elapsed
    print(f"orders: {args.orders} in {elapsed:.2f} s, {events} events ({events / args.orders:.2f} per order, "
          f"{row_bytes} bytes each)")
    print(f"events/s: {events / elapsed:,.0f}")
    print(f"per order: {1000 * elapsed / args.orders:.3f} ms wall, {1000 * cpu / args.orders:.3f} ms CPU "
          f"(the rest is waiting: fsync, or the CPU on a busy machine); CPU alone would allow {args.orders / cpu:,.0f} orders/s")
    print(f"raw sqlite3 loop, same rows and transactions: {args.orders / raw:,.0f} tx/s, {events / raw:,.0f} rows/s; "
          f"Peisong reaches {orders_per_s / (args.orders / raw):.0%} of it")
    if profiler:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(30)
    print(f"orders/s: {orders_per_s:,.0f} (target 1000)")


if __name__ == "__main__":
    main()
