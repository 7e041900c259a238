"""A rebuild from zero yields exactly the tables that incremental projection built, batch sizes notwithstanding."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings, strategies as st

from domain.app import Peisong
from domain.clock import ManualClock
from domain.couriers import Courier
from domain.errors import DomainError
from projections.database import ReadDatabase
from projections.replay import rebuild
from projections.runner import ProjectionRunner
from tests.conftest import EAST_HOME, WEST_HOME, window
from tests.domain_couriers.staffing import hire
from tests.projections.conftest import rebuilt_snapshot, snapshot

SKUS = ["RICE-5KG", "MILK-1L", "TEA-250G", "PAN-28"]
WAREHOUSES = ["WH-EAST", "WH-WEST"]
STEPS = ["pick", "pack", "hand", "out", "deliver", "fail", "return", "cancel"]

commands = st.one_of(
    st.tuples(st.just("place"), st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 8)), min_size=1, max_size=3),
              st.sampled_from(["nearest", "split"]), st.booleans()),
    st.tuples(st.just("step"), st.integers(0, 50), st.sampled_from(STEPS)),
    st.tuples(st.just("receive"), st.sampled_from(WAREHOUSES), st.sampled_from(SKUS), st.integers(1, 30)),
    st.tuples(st.just("count"), st.sampled_from(WAREHOUSES), st.sampled_from(SKUS), st.integers(0, 40)),
    st.tuples(st.just("adjust"), st.sampled_from(WAREHOUSES), st.sampled_from(SKUS), st.integers(-5, 5)),
    st.tuples(st.just("threshold"), st.sampled_from(WAREHOUSES), st.sampled_from(SKUS), st.integers(0, 30)),
    st.tuples(st.just("interval"), st.sampled_from(WAREHOUSES), st.integers(1, 60)),
    st.tuples(st.just("opt_out"), st.sampled_from(["CUST-1", "CUST-2"]), st.sampled_from(["sms", "wechat"]),
              st.booleans()),
    st.tuples(st.just("price"), st.sampled_from(SKUS), st.integers(1, 500)),
    st.tuples(st.just("later"), st.integers(1, 24 * 60)),
    st.tuples(st.just("project"), st.integers(1, 9)),
)


class Shopper:
    """Runs generated commands; refusals are part of the game (they record nothing)."""

    def __init__(self, app: Peisong, clock: ManualClock, db: ReadDatabase, courier: str) -> None:
        self.app, self.clock, self.db, self.courier = app, clock, db, courier
        self.orders: list[str] = []
        self.runners: dict[int, ProjectionRunner] = {}

    def run(self, command: tuple[Any, ...]) -> None:
        app, kind, args = self.app, command[0], command[1:]
        try:
            if kind == "place":
                lines, rule, west = args
                start, end = window(self.clock)
                number = app.place_order("CUST-2" if west else "CUST-1", lines, WEST_HOME if west else EAST_HOME,
                                         start, end, warehouse_rule=rule)["number"]
                self.orders.append(number)
            elif kind == "step" and self.orders:
                self.step(self.orders[args[0] % len(self.orders)], args[1])
            elif kind == "receive":
                app.receive_stock(*args)
            elif kind == "count":
                app.count_stock(*args, counted_by="auditor")
            elif kind == "adjust":
                app.adjust_stock(*args, reason="found on the floor")
            elif kind == "threshold":
                app.set_reorder_threshold(*args)
            elif kind == "interval":
                app.set_stock_take_interval(*args)
            elif kind == "opt_out":
                app.set_customer_opt_out(*args)
            elif kind == "price":
                sku, price = args
                app.update_product(sku, sku.title(), "1", "1", price, "grocery")
            elif kind == "later":
                self.clock.advance(timedelta(minutes=args[0]))
            elif kind == "project":
                if args[0] not in self.runners:
                    self.runners[args[0]] = ProjectionRunner(app, self.db, batch_size=args[0])
                self.runners[args[0]].run_once()
        except DomainError:
            pass

    def step(self, number: str, step: str) -> None:
        app = self.app
        {
            "pick": lambda: app.pick_order(number, "picker"),
            "pack": lambda: app.pack_order(number, "packer"),
            "hand": lambda: app.hand_order_to_courier(number, self.courier),
            "out": lambda: app.send_order_out_for_delivery(number),
            "deliver": lambda: app.deliver_order(number, "signature", "J. Doe"),
            "fail": lambda: app.fail_delivery(number, "gate locked"),
            "return": lambda: app.return_order_to_warehouse(number, "undeliverable"),
            "cancel": lambda: app.cancel_order(number, "customer asked"),
        }[step]()


@settings(deadline=None)
@given(script=st.lists(commands, min_size=1, max_size=30))
def test_incremental_projection_in_any_batches_equals_a_rebuild_from_zero(
    shop: Peisong, clock: ManualClock, db: ReadDatabase, script: list[tuple[Any, ...]]
) -> None:
    if shop.get_or_none(Courier.create_id("COURIER-01")) is None:
        hire(shop)
    shopper = Shopper(shop, clock, db, "COURIER-01")
    for command in script:
        shopper.run(command)
    ProjectionRunner(shop, db, batch_size=4).catch_up()

    incremental = snapshot(db)

    assert incremental == rebuilt_snapshot(shop, db)


def test_a_rebuild_reports_progress_up_to_the_head(shop: Peisong, db: ReadDatabase) -> None:
    reports: list[tuple[int, int]] = []

    stats = rebuild(shop, db, progress=lambda done, total: reports.append((done, total)), batch_size=7)

    head = shop.head_position()
    assert stats.events == head and stats.seconds > 0 and stats.rate > 0
    assert reports[0] == (0, head) and reports[-1] == (head, head)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    assert len(reports) == 1 + -(-head // 7)


def test_rebuilding_twice_or_after_a_runner_changes_nothing(shop: Peisong, db: ReadDatabase) -> None:
    ProjectionRunner(shop, db, policies=()).catch_up()
    incremental = snapshot(db)

    assert rebuilt_snapshot(shop, db) == incremental
    assert rebuilt_snapshot(shop, db) == incremental
