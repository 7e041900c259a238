"""Killed mid-command, killed mid-projection, cut off from the database: nothing lost, nothing doubled, all caught up.

Each kill is a real SIGKILL of a real process, at the worst moment: its rows are written
and not yet committed (see tests/hardening/faults.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse, urlunparse

import pytest
from sqlalchemy import select

from domain.app import Peisong
from domain.chain import verify
from domain.orders import Order
from domain.settings import Settings
from domain.stock import StockItem
from projections.database import ReadDatabase
from projections.orders import OrdersProjector, order_lines, order_timeline, orders
from projections.replay import rebuild
from projections.runner import ProjectionRunner
from tests.conftest import EAST_HOME, window
from tests.hardening.faults import DIE, Cable

ROOT = Path(__file__).resolve().parents[2]
PLACE = """
import sys
from pathlib import Path
from domain.app import Peisong
from domain.clock import ManualClock
from domain.settings import Settings
from tests.conftest import EAST_HOME, START, window
url, data_dir, recorder = sys.argv[1:4]
clock = ManualClock(START)
app = Peisong(Settings(database_url=url, data_dir=Path(data_dir), secret_key="test-secret"), clock,
              APPLICATION_RECORDER_TOPIC=recorder)
app.place_order("CUST-1", [("RICE-5KG", 2)], dict(EAST_HOME), *window(clock), number="PS-KILLED", idempotency_key="once")
print("survived")
"""
PROJECT = """
import sys
from pathlib import Path
from domain.app import Peisong
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner
from tests.hardening.faults import DyingOrdersProjector
settings = Settings(database_url=sys.argv[1], data_dir=Path(sys.argv[2]), secret_key="test-secret")
ProjectionRunner(Peisong(settings), ReadDatabase(settings), projections=[DyingOrdersProjector()], policies=()).catch_up()
print("survived")
"""


def run_and_kill(script: str, moment: str, *args: str) -> None:
    env = {**os.environ, DIE: moment, "PYTHONPATH": str(ROOT)}
    finished = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True,
                              timeout=120, cwd=ROOT)
    assert finished.returncode == -signal.SIGKILL, (finished.returncode, finished.stdout, finished.stderr)


def place_orders(app: Peisong, clock: Any, numbers: list[str]) -> None:
    for number in numbers:
        app.place_order("CUST-1", [("MILK-1L", 1)], dict(EAST_HOME), *window(clock), number=number)


def rows(db: ReadDatabase) -> dict[str, list[tuple[Any, ...]]]:
    with db.read() as conn:
        return {table.name: sorted(tuple(row) for row in conn.execute(select(table)))
                for table in (orders, order_lines, order_timeline)}


def as_rebuilt(app: Peisong) -> dict[str, list[tuple[Any, ...]]]:
    """The orders read model made from zero, in a scratch database."""
    scratch = ReadDatabase(app.settings, url="sqlite://")
    try:
        rebuild(app, scratch, projections=[OrdersProjector()])
        return rows(scratch)
    finally:
        scratch.close()


def eventually(check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "did not catch up in time"
        time.sleep(0.1)


def test_a_process_killed_inside_a_save_leaves_nothing_and_the_retry_records_once(
    shop: Peisong, settings: Settings, clock: Any,
) -> None:
    head = shop.head_position()
    recorder = "tests.hardening.faults:" + ("DyingSQLiteRecorder" if settings.is_sqlite else "DyingPostgresRecorder")
    run_and_kill(PLACE, "in-save", settings.database_url, str(settings.data_dir), recorder)

    assert shop.head_position() == head
    assert verify(shop.recorder).intact
    assert shop.get_or_none(Order.create_id("PS-KILLED")) is None

    retried = shop.place_order("CUST-1", [("RICE-5KG", 2)], dict(EAST_HOME), *window(clock), number="PS-KILLED",
                               idempotency_key="once")
    again = shop.place_order("CUST-1", [("RICE-5KG", 2)], dict(EAST_HOME), *window(clock), number="PS-KILLED",
                             idempotency_key="once")
    assert (retried.repeated, again.repeated, again.position) == (False, True, retried.position)
    assert shop.repository.get(StockItem.create_id("WH-EAST", "RICE-5KG")).reserved == 2
    assert verify(shop.recorder).checked == shop.head_position()


def test_a_projection_killed_between_its_rows_and_its_commit_catches_up_exactly_once(
    shop: Peisong, settings: Settings, clock: Any,
) -> None:
    place_orders(shop, clock, [f"PS-{n}" for n in range(5)])
    run_and_kill(PROJECT, "in-projection", settings.database_url, str(settings.data_dir))

    db = ReadDatabase(settings)
    try:
        runner = ProjectionRunner(shop, db, projections=[OrdersProjector()], policies=())
        assert runner.position("orders") == 0  # the killed batch committed nothing
        runner.catch_up()
        assert runner.position("orders") == shop.head_position()
        assert rows(db) == as_rebuilt(shop)
        assert len(rows(db)["orders"]) == 5
    finally:
        db.close()


def test_a_runner_cut_off_from_its_sqlite_database_retries_and_catches_up(
    shop: Peisong, clock: Any, tmp_path: Path,
) -> None:
    if not shop.settings.is_sqlite:
        pytest.skip("the PostgreSQL outage has its own test")
    reads = tmp_path / "reads"
    db = ReadDatabase(shop.settings, url=f"sqlite:///{reads}/read.db")
    runner = ProjectionRunner(shop, db, projections=[OrdersProjector()], policies=(), poll_interval=0.1)
    runner.start()
    try:
        place_orders(shop, clock, ["PS-A", "PS-B"])
        eventually(lambda: runner.position("orders") == shop.head_position(), 10)

        reads.rename(tmp_path / "unplugged")  # the database's volume goes away ...
        db.engine.dispose()  # ... and with it every open connection
        place_orders(shop, clock, ["PS-C", "PS-D", "PS-E"])
        time.sleep(1.0)
        assert runner.position("orders") < shop.head_position()

        (tmp_path / "unplugged").rename(reads)
        eventually(lambda: runner.position("orders") == shop.head_position(), 20)
        assert rows(db) == as_rebuilt(shop)
        assert len(rows(db)["orders"]) == 5
    finally:
        runner.stop()
        db.close()


def test_a_runner_cut_off_from_postgresql_retries_and_catches_up(
    shop: Peisong, settings: Settings, clock: Any,
) -> None:
    if settings.is_sqlite:
        pytest.skip("runs against PostgreSQL only")
    url = urlparse(settings.database_url)
    cable = Cable(url.hostname or "127.0.0.1", url.port or 5432)
    through_cable = replace(settings, database_url=urlunparse(url._replace(netloc=f"{url.username}:{url.password}@127.0.0.1:{cable.port}")))
    follower = Peisong(through_cable)
    db = ReadDatabase(through_cable)
    runner = ProjectionRunner(follower, db, projections=[OrdersProjector()], policies=(), poll_interval=0.1)
    runner.start()
    try:
        place_orders(shop, clock, ["PS-A", "PS-B"])
        eventually(lambda: runner.position("orders") == shop.head_position(), 10)

        cable.unplug()
        place_orders(shop, clock, ["PS-C", "PS-D", "PS-E"])
        time.sleep(2.0)
        assert runner.position("orders") < shop.head_position()

        cable.plug()
        eventually(lambda: runner.position("orders") == shop.head_position(), 45)
        direct = ReadDatabase(settings)
        try:
            assert rows(direct) == as_rebuilt(shop)
            assert len(rows(direct)["orders"]) == 5
        finally:
            direct.close()
    finally:
        runner.stop()
        db.close()
        follower.close()
        cable.unplug()
