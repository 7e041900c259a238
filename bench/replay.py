"""How fast the read models rebuild from the log, and whether the rebuild equals incremental projection.

Run: ``python bench/replay.py [--store PATH] [--events 200000]``. The store is built once
through the application's own commands (bulk receipts, orders placed and walked through
their whole life, some cancelled, failed or returned, stock counts) and reused on later
runs. The projections are then filled incrementally (the runner, 2,000 notifications per
read) into one read database and rebuilt from zero into another; every table must match
row for row.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

# bench/ holds scripts named like the packages they measure (bench/solver.py): import the packages.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from domain.app import Peisong  # noqa: E402
from domain.clock import ManualClock  # noqa: E402
from domain.errors import OutOfStock  # noqa: E402
from domain.settings import Settings  # noqa: E402
from projections.database import ReadDatabase  # noqa: E402
from projections.registry import ALL  # noqa: E402
from projections.replay import rebuild  # noqa: E402
from projections.runner import ProjectionRunner  # noqa: E402

START = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
WAREHOUSES = [("WH-PD", 31.22, 121.54), ("WH-XH", 31.18, 121.43), ("WH-JA", 31.23, 121.45), ("WH-BS", 31.40, 121.49)]
SKUS = 300
CUSTOMERS = 2_000
COURIERS = 40


def build_store(app: Peisong, clock: ManualClock, target: int, rng: random.Random) -> None:
    """Grow the log to `target` events the way a shop would, one command at a time."""
    skus = [f"SKU-{i:04d}" for i in range(SKUS)]
    if app.head_position() == 0:
        for code, lat, lon in WAREHOUSES:
            app.register_warehouse(code, code, lat, lon, purchasing_contact=f"buyer-{code.lower()}@shop.example")
        for sku in skus:
            app.add_product(sku, sku, f"{rng.uniform(0.1, 5):.2f}", f"{rng.uniform(0.1, 9):.2f}",
                            f"{rng.uniform(1, 300):.2f}", rng.choice(["grocery", "fresh", "drinks", "home"]))
        for i in range(CUSTOMERS):
            home = {"lat": round(rng.uniform(31.10, 31.40), 5), "lon": round(rng.uniform(121.30, 121.60), 5),
                    "text": f"home {i}"}
            app.register_customer(f"C-{i:05d}", f"Customer {i}", "+86 138 0000 0000", [home])
        for i in range(COURIERS):
            hire_courier(app, f"courier-{i:02d}")
    began = time.perf_counter()
    orders = 0
    while app.head_position() < target:
        clock.advance(timedelta(minutes=1))
        if orders % 200 == 0:
            # A delivery note per warehouse: many lines, one save each.
            for code, _, _ in WAREHOUSES:
                delivered = skus if orders == 0 else rng.sample(skus, 60)
                low, high = (20, 60) if orders == 0 else (5, 20)
                app.receive_stock_batch([(code, sku, rng.randint(low, high)) for sku in delivered],
                                        reference=f"DN-{orders}")
        if orders % 500 == 250:
            code = rng.choice(WAREHOUSES)[0]
            for sku in rng.sample(skus, 20):
                app.count_stock(code, sku, rng.randint(0, 40), counted_by="night shift")
        reference = f"C-{rng.randrange(CUSTOMERS):05d}"
        home = {"lat": round(rng.uniform(31.10, 31.40), 5), "lon": round(rng.uniform(121.30, 121.60), 5), "text": "drop"}
        start = clock.now() + timedelta(hours=2)
        lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 4))]
        try:
            number = app.place_order(reference, lines, home, start, start + timedelta(hours=2),
                                     warehouse_rule=rng.choice(["nearest", "split"]))["number"]
        except OutOfStock:
            continue
        orders += 1
        walk_order(app, number, rng)
        if orders % 1000 == 0:
            print(f"  {app.head_position():,} events, {orders:,} orders, {time.perf_counter() - began:.0f} s",
                  file=sys.stderr)


def hire_courier(app: Peisong, reference: str) -> None:
    """Only a certified, active courier may take orders: apply, screen, train, certify, activate."""
    app.receive_courier_application(reference, f"Courier {reference}", "+86 139 0000 1234",
                                    f"310101199001{sum(map(ord, reference)) % 1_000_000:06d}", 3, "C1")
    app.screen_courier(reference, True, "no record", checked_by="hr-1")
    for course in ("safety", "service", "app"):
        app.record_courier_training(reference, course, "4", 90)
    app.certify_courier(reference)
    app.activate_courier(reference)


def walk_order(app: Peisong, number: str, rng: random.Random) -> None:
    """Most orders are delivered; some are cancelled on the way, some fail and come back."""
    fate = rng.random()
    if fate < 0.05:
        app.cancel_order(number, "customer changed their mind")
        return
    app.pick_order(number, picker="picker-1")
    app.pack_order(number, packer="packer-2")
    if fate < 0.08:
        app.cancel_order(number, "damaged while packing")
        return
    app.hand_order_to_courier(number, f"courier-{rng.randrange(COURIERS):02d}")
    app.send_order_out_for_delivery(number)
    if fate < 0.12:
        app.fail_delivery(number, "nobody home")
        app.return_order_to_warehouse(number, "second attempt refused")
        return
    app.deliver_order(number, "photo", "door.jpg")


def table_contents(db: ReadDatabase) -> dict[str, list[tuple[object, ...]]]:
    contents = {}
    with db.read() as conn:
        for projector in ALL:
            for table in projector.tables:
                order = list(table.primary_key.columns)
                contents[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    return contents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path(tempfile.gettempdir()) / "peisong-bench-replay" / "peisong.db")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    settings = Settings(database_url=f"sqlite:///{args.store.resolve()}", data_dir=args.store.parent,
                        secret_key="bench")
    clock = ManualClock(START)
    app = Peisong(settings, clock)
    if app.head_position() < args.events:
        print(f"building {args.store} up to {args.events:,} events ...", file=sys.stderr)
        began = time.perf_counter()
        build_store(app, clock, args.events, random.Random(args.seed))
        print(f"built {app.head_position():,} events in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    head = app.head_position()

    incremental_path = args.store.with_name(f"{args.store.stem}.incremental.db")
    rebuilt_path = args.store.with_name(f"{args.store.stem}.rebuilt.db")
    for path in (incremental_path, rebuilt_path):
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()

    incremental = ReadDatabase(settings, url=f"sqlite:///{incremental_path}")
    runner = ProjectionRunner(app, incremental, policies=())
    began = time.perf_counter()
    runner.catch_up()
    seconds = time.perf_counter() - began
    print(f"incremental: {head:,} events in {seconds:.2f} s = {head / seconds:,.0f} events/s")

    rebuilt = ReadDatabase(settings, url=f"sqlite:///{rebuilt_path}")
    stats = rebuild(app, rebuilt)
    print(f"events: {stats.events}")
    print(f"seconds: {stats.seconds:.2f}")
    print(f"events/s: {stats.rate:,.0f}")

    expected, actual = table_contents(incremental), table_contents(rebuilt)
    for name in expected:
        same = expected[name] == actual[name]
        print(f"  {name}: {len(expected[name]):,} rows incremental, {len(actual[name]):,} rebuilt"
              f"{'' if same else '  <-- DIFFERENT'}")
    if expected != actual:
        sys.exit("the rebuilt tables differ from the incremental ones")
    print(f"replay: {stats.events} events in {stats.seconds:.2f} s = {stats.rate:.0f} events/s")
    incremental.close()
    rebuilt.close()
    app.close()


if __name__ == "__main__":
    main()
