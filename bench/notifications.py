"""A day of the demo shop's events through the outbox, against a local gateway that fails a share of requests.

Run: ``python bench/notifications.py [--orders 600] [--failure-rate 0.1]``. The demo day
(sim/demo.py: orders placed, picked, packed, handed over, delivered or failed, low stock)
is loaded into a fresh SQLite store; the policies then queue one notification per
customer-facing event (and purchasing's e-mails), and the outbox worker sends them to a real
HTTP gateway on 127.0.0.1 that refuses the given share of requests with a 503. The worker
retries until everything is out. Printed: how many messages, how fast (messages taken by the
gateway per second of sending, retries and backoff included), and how many the gateway never
took (lost) or took more than once (duplicated); both must be 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

# bench/ holds scripts named like the packages they measure (bench/solver.py): import the packages.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from api.outbox.worker import OutboxWorker  # noqa: E402
from domain.app import Peisong  # noqa: E402
from domain.clock import ManualClock  # noqa: E402
from domain.notifications import SENT, SUPPRESSED  # noqa: E402
from domain.settings import Settings  # noqa: E402
from projections.database import ReadDatabase  # noqa: E402
from projections.notifications import notification_messages, notifications  # noqa: E402
from projections.runner import ProjectionRunner  # noqa: E402
from sim.demo import DemoSize, load_demo  # noqa: E402
from tests.customer_care.gateway import Gateway  # noqa: E402

# The demo day ends at 20:00 in Shanghai: outside quiet hours, so nothing is held until morning.
DAY_ENDS = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
PATIENCE_SECONDS = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--failure-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    gateway = Gateway(failure_rate=args.failure_rate, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="peisong-bench-outbox-") as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/peisong.db", data_dir=Path(folder), secret_key="bench",
            notification_gateway_url=gateway.url,
        )
        settings = replace(settings, notification_retry_base_seconds=0.05, notification_retry_max_seconds=1.0)
        clock = ManualClock(DAY_ENDS)
        app = Peisong(settings, clock)
        db = ReadDatabase(settings)
        try:
            began = time.perf_counter()
            figures = load_demo(app, clock, DemoSize(products=120, customers=args.customers, orders=args.orders),
                                seed=args.seed)
            print(f"demo day: {figures['orders']} orders, {figures['events']} events "
                  f"in {time.perf_counter() - began:.1f} s")

            runner = ProjectionRunner(app, db)
            began = time.perf_counter()
            runner.catch_up()
            queued, expected = queued_messages(db)
            print(f"queued: {queued} notifications, {len(expected)} messages "
                  f"(policies and projections in {time.perf_counter() - began:.1f} s)")

            worker = OutboxWorker(app, db, settings)
            began = time.perf_counter()
            while time.perf_counter() - began < PATIENCE_SECONDS:
                worker.drain()
                runner.catch_up()
                if not unsent(db):
                    break
                time.sleep(min(worker.backoff.next_in() or 0.01, 0.05))
            seconds = time.perf_counter() - began
            worker.close()

            taken = set(gateway.taken)
            lost = len(expected - taken) + len(taken - expected)
            print(f"gateway: {sum(gateway.taken.values())} taken, {gateway.refused} refused "
                  f"({args.failure_rate:.0%} failure rate), sending took {seconds:.2f} s")
            print(f"messages/s: {len(taken & expected) / seconds:.1f}")
            print(f"lost: {lost}")
            print(f"duplicated: {gateway.duplicated}")
        finally:
            db.close()
            app.close()
            gateway.stop()


def queued_messages(db: ReadDatabase) -> tuple[int, set[str]]:
    """How many notifications were queued, and the id of every message that must reach the gateway."""
    with db.read() as conn:
        count = conn.execute(select(func.count()).select_from(notifications)).scalar_one()
        keys = {key for (key,) in conn.execute(
            select(notification_messages.c.key).where(notification_messages.c.status != SUPPRESSED))}
    return count, keys


def unsent(db: ReadDatabase) -> int:
    with db.read() as conn:
        return conn.execute(
            select(func.count()).select_from(notification_messages)
            .where(notification_messages.c.status.not_in((SENT, SUPPRESSED)))
        ).scalar_one()


if __name__ == "__main__":
    main()
