"""The runner applies every event exactly once, wakes on saves, reports its lag and lets readers wait."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from typing import Any, Callable, Sequence

import pytest
from sqlalchemy import Connection

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import InvalidInput
from domain.policies import POLICIES, Policy
from domain.settings import Settings
from domain.stock import StockItem
from projections.database import ReadDatabase
from projections.decoding import Change
from projections.events import read_events
from projections.orders import OrdersProjector, get_order
from projections.positions import set_position
from projections.registry import ALL
from projections.runner import ProjectionFailed, ProjectionRunner
from projections.stock import get_stock
from tests.conftest import EAST_HOME, window
from tests.projections.conftest import rebuilt_snapshot, snapshot


class Killed(Exception):
    pass


class DiesBeforeCommit(OrdersProjector):
    """The orders projection, killed after writing a batch's rows but before its commit."""

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        super().apply(conn, changes)
        raise Killed("killed between writing rows and committing")


def with_orders(projector: Any) -> list[Any]:
    return [projector if p.name == "orders" else p for p in ALL]


def place(app: Peisong, clock: ManualClock, lines: list[tuple[str, int]]) -> str:
    start, end = window(clock)
    return app.place_order("CUST-1", lines, EAST_HOME, start, end)["number"]


def test_lag_is_the_distance_to_the_head_and_goes_to_zero(shop: Peisong, runner: ProjectionRunner) -> None:
    head = shop.head_position()
    assert {(lag.position, lag.head, lag.lag) for lag in runner.lags()} == {(0, head, head)}
    assert [lag.name for lag in runner.lags()] == [p.name for p in ALL] + [f"policy:{p.name}" for p in POLICIES]
    assert {"orders", "stock", "alerts", "catalogue", "policy:replenish-low-stock"} <= {lag.name for lag in runner.lags()}

    runner.catch_up()

    assert {lag.lag for lag in runner.lags()} == {0}
    assert runner.head() == shop.head_position() > head  # the policy's request was recorded and followed too


def test_wait_for_returns_as_soon_as_a_save_is_projected(shop: Peisong, db: ReadDatabase) -> None:
    runner = ProjectionRunner(shop, db, poll_interval=60)  # only a wake-up can make this quick
    runner.start()
    try:
        assert runner.wait_for(shop.head_position(), timeout=10)
        began = time.monotonic()
        saved = shop.receive_stock("WH-WEST", "PAN-28", 3)

        assert runner.wait_for(saved.position, timeout=10)
        assert time.monotonic() - began < 5
        stock = get_stock(db, "WH-WEST", "PAN-28")
        assert stock is not None and stock.on_hand == 15
    finally:
        runner.stop()


def test_on_postgresql_a_save_by_another_process_wakes_the_runner_through_listen_notify(
    shop: Peisong, db: ReadDatabase, make_app: Callable[[], Peisong], settings: Settings
) -> None:
    if settings.is_sqlite:
        pytest.skip("SQLite has no LISTEN/NOTIFY: other processes' saves are found by polling")
    runner = ProjectionRunner(shop, db, poll_interval=60)
    runner.start()
    try:
        assert runner.wait_for(shop.head_position(), timeout=10)
        other_process = make_app()  # its saves do not call this runner's in-process wake-up
        began = time.monotonic()
        saved = other_process.receive_stock("WH-WEST", "PAN-28", 3)

        assert runner.wait_for(saved.position, timeout=10)
        assert time.monotonic() - began < 5
    finally:
        runner.stop()


def test_wait_for_gives_up_on_a_position_not_reached_in_time(shop: Peisong, runner: ProjectionRunner) -> None:
    runner.start()
    began = time.monotonic()
    assert not runner.wait_for(shop.head_position() + 100, timeout=0.3)
    assert 0.25 < time.monotonic() - began < 3


def test_async_readers_wait_without_blocking_the_event_loop(shop: Peisong, runner: ProjectionRunner) -> None:
    runner.start()

    async def scenario() -> tuple[bool, int, bool]:
        ticks = 0
        done = asyncio.Event()

        async def tick() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.001)

        ticker = asyncio.create_task(tick())
        saved = await asyncio.to_thread(shop.receive_stock, "WH-EAST", "MILK-1L", 5)
        reached = await runner.await_position(saved.position, timeout=10)
        missed = await runner.await_position(saved.position + 1000, timeout=0.2)
        done.set()
        await ticker
        return reached, ticks, missed

    reached, ticks, missed = asyncio.run(scenario())

    assert reached and not missed
    assert ticks > 10


def test_a_reader_in_another_process_waits_through_the_shared_positions(shop: Peisong, db: ReadDatabase) -> None:
    worker = ProjectionRunner(shop, db)  # the separate `peisong worker`
    reader = ProjectionRunner(shop, db)  # an API process that runs no projections itself
    worker.start()
    try:
        saved = shop.receive_stock("WH-EAST", "RICE-5KG", 1)
        assert reader.wait_for(saved.position, timeout=10)
        assert asyncio.run(reader.await_position(saved.position, timeout=10))
    finally:
        worker.stop()


def test_a_projection_added_later_catches_up_without_moving_the_others_back(
    shop: Peisong, clock: ManualClock, db: ReadDatabase
) -> None:
    stock_only = [p for p in ALL if p.name == "stock"]
    ProjectionRunner(shop, db, projections=stock_only, policies=()).catch_up()
    stock_reached = shop.head_position()
    place(shop, clock, [("RICE-5KG", 1)])
    head = shop.head_position()

    everything = ProjectionRunner(shop, db, batch_size=3, policies=())
    moves: list[tuple[str, int]] = []
    original = everything._advanced
    everything._advanced = lambda name, position: (moves.append((name, position)), original(name, position))[1]  # type: ignore[method-assign]
    everything.catch_up()

    stock_moves = [position for name, position in moves if name == "stock"]
    assert stock_moves == sorted(set(stock_moves)) and stock_moves[0] > stock_reached  # only ever forward
    assert stock_moves[-1] == head
    assert [position for name, position in moves if name == "orders"][-1] == head
    assert snapshot(db) == rebuilt_snapshot(shop, db)


def test_a_batch_killed_before_its_commit_leaves_nothing_and_a_restart_ends_as_a_rebuild(
    shop: Peisong, clock: ManualClock, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    number = place(shop, clock, [("RICE-5KG", 2)])
    shop.pick_order(number)
    before = snapshot(db)

    dying = ProjectionRunner(shop, db, projections=with_orders(DiesBeforeCommit()), policies=())
    with pytest.raises(ProjectionFailed) as failed:
        dying.run_once()

    assert list(failed.value.failures) == ["orders"]
    assert isinstance(failed.value.failures["orders"], Killed)
    after = snapshot(db)
    for table in ("orders", "order_lines", "order_timeline"):
        assert after[table] == before[table]
    assert after["positions"]["orders"] == before["positions"]["orders"]
    assert after["positions"]["stock"] == shop.head_position()  # the others went on

    restarted = ProjectionRunner(shop, db)
    restarted.catch_up()

    order = get_order(db, number)
    assert order is not None and [e.status for e in order.timeline] == ["PLACED", "PICKED"]
    assert snapshot(db) == rebuilt_snapshot(shop, db)


def test_a_failing_projection_is_retried_from_its_position_until_it_succeeds(
    shop: Peisong, clock: ManualClock, db: ReadDatabase
) -> None:
    class FailsTwice(OrdersProjector):
        attempts = 0

        def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
            FailsTwice.attempts += 1
            if FailsTwice.attempts <= 2:
                raise RuntimeError("database hiccup")
            super().apply(conn, changes)

    place(shop, clock, [("MILK-1L", 1)])
    runner = ProjectionRunner(shop, db, projections=with_orders(FailsTwice()), poll_interval=0.05)
    runner.start()
    try:
        assert runner.wait_for(shop.head_position(), timeout=15)
    finally:
        runner.stop()

    assert FailsTwice.attempts == 3
    assert snapshot(db) == rebuilt_snapshot(shop, db)


def test_two_runners_on_one_database_still_apply_each_event_once(
    shop: Peisong, clock: ManualClock, db: ReadDatabase
) -> None:
    for _ in range(6):
        number = place(shop, clock, [("MILK-1L", 1), ("RICE-5KG", 1)])
        shop.pick_order(number)
    runners = [ProjectionRunner(shop, db, batch_size=5, policies=()) for _ in range(2)]
    errors: list[BaseException] = []

    def run(runner: ProjectionRunner) -> None:
        try:
            for _ in range(200):
                try:
                    runner.catch_up()
                    return
                except ProjectionFailed:
                    continue  # the other runner got there first: its work stands
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert snapshot(db) == rebuilt_snapshot(shop, db)


def test_the_low_stock_policy_requests_once_per_crossing_even_rerun_from_an_old_position(
    shop: Peisong, clock: ManualClock, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    clock.advance(timedelta(hours=1))
    shop.receive_stock("WH-EAST", "TEA-250G", 20)  # recovers
    place(shop, clock, [("TEA-250G", 20)])  # crosses again
    runner.catch_up()

    def requests() -> list[tuple[str, int]]:
        return [(r.data["trigger"], r.data["quantity"]) for r in read_events(shop, types=["ReplenishmentRequested"])]  # type: ignore[misc]

    crossings = [f"{r.aggregate_id}:{r.version}" for r in read_events(shop, types=["LowStockDetected"])]
    assert len(crossings) == 2
    assert requests() == [(crossings[0], 15), (crossings[1], 15)]

    with db.begin() as conn:
        set_position(conn, "policy:replenish-low-stock", 0)
    runner.catch_up()

    assert requests() == [(crossings[0], 15), (crossings[1], 15)]
    assert runner.position("policy:replenish-low-stock") == shop.head_position()
    tea = StockItem.create_id("WH-EAST", "TEA-250G")
    assert all(crossing.startswith(str(tea)) for crossing in crossings)


def test_a_policy_that_breaks_resumes_at_the_event_it_broke_on(shop: Peisong, db: ReadDatabase) -> None:
    received = read_events(shop, types=["StockReceived"])
    reacted: list[int] = []
    broken = {"once": True}

    def flaky(app: Peisong, event: Any) -> None:
        position = next(r.position for r in received
                        if r.aggregate_id == str(event.originator_id) and r.version == event.originator_version)
        if position == received[2].position and broken.pop("once", False):
            raise ConnectionError("gateway down")
        reacted.append(position)

    policy = Policy("flaky", (StockItem.StockReceived,), flaky)  # type: ignore[attr-defined]
    runner = ProjectionRunner(shop, db, projections=(), policies=[policy])

    with pytest.raises(ProjectionFailed):
        runner.run_once()
    assert runner.position("policy:flaky") == received[2].position - 1

    runner.catch_up()

    assert reacted == [r.position for r in received]  # none twice, none skipped
    assert runner.position("policy:flaky") == shop.head_position()


def test_a_reaction_the_application_refuses_is_logged_and_passed(shop: Peisong, db: ReadDatabase,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    def refused(app: Peisong, event: Any) -> None:
        raise InvalidInput("no such supplier", field="supplier")

    policy = Policy("refused", (StockItem.LowStockDetected,), refused)  # type: ignore[attr-defined]
    runner = ProjectionRunner(shop, db, projections=(), policies=[policy])

    runner.catch_up()

    assert runner.position("policy:refused") == shop.head_position()
    assert "no such supplier" in caplog.text
