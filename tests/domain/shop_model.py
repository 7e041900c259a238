"""A small shop driven by random commands next to a plain model of what its stock and orders must be.

The state machines in test_stock_invariants and test_order_invariants build on this: every
command goes through the real application on a real SQLite store, from one of two
processes (two applications, two caches) sharing it; the model predicts the outcome
(including the warehouse choice and every refusal), and after each step the aggregates
must agree with it. At teardown a cold application replays the log and must rebuild every
aggregate exactly as both warm ones hold it.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import DeliveryCodeMismatch, DomainError, InvalidInput, InvalidTransition, NotFound, OutOfStock
from domain.orders import NEXT_STATUSES, Order
from domain.settings import Settings
from domain.stock import StockItem
from tests.conftest import START
from tests.domain_couriers.staffing import hire

MEMORY_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
SITES = {"WH-E": (31.23, 121.55), "WH-W": (31.22, 121.35)}
HOMES = {"C-E": {"lat": 31.23, "lon": 121.54, "text": "east"}, "C-W": {"lat": 31.22, "lon": 121.37, "text": "west"}}
SKUS = ("A", "B", "C")
HOLDING = ("PLACED", "PICKED", "PACKED")
STATUS_OF_EVENT = {
    "OrderPlaced": "PLACED", "OrderPicked": "PICKED", "OrderPacked": "PACKED",
    "OrderHandedToCourier": "HANDED_TO_COURIER", "OrderOutForDelivery": "OUT_FOR_DELIVERY",
    "OrderDelivered": "DELIVERED", "DeliveryFailed": "DELIVERY_FAILED",
    "OrderReturnedToWarehouse": "RETURNED", "OrderCancelled": "CANCELLED",
}

warehouses = st.sampled_from(sorted(SITES))
skus = st.sampled_from(SKUS)
order_lines = st.lists(st.tuples(skus, st.integers(1, 3)), min_size=1, max_size=3)
rules = st.sampled_from(["nearest", "nearest", "split", "named"])
recent = st.integers(0, 3)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """An independent great-circle distance, so the model does not borrow the code it checks."""
    (la1, lo1), (la2, lo2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


class ShopMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Memory-backed when the machine has it: these runs check logic, not the disk's fsync.
        self.folder = tempfile.mkdtemp(prefix="peisong-model-", dir=MEMORY_DIR)
        self.settings = Settings(database_url=f"sqlite:///{self.folder}/peisong.db", data_dir=Path(self.folder),
                                 secret_key="model-secret", default_reorder_threshold=2)
        self.clock = ManualClock(START)
        # Two processes on one store, each with its own cache; commands go through one at a time.
        self.processes = [Peisong(self.settings, self.clock), Peisong(self.settings, self.clock)]
        self.app = app = self.processes[0]
        for code, (lat, lon) in SITES.items():
            app.register_warehouse(code, code, lat, lon)
        for sku in SKUS:
            app.add_product(sku, f"Product {sku}", "1", "1", "10", "test")
        for reference, home in HOMES.items():
            app.register_customer(reference, reference, "138", [home])
        opening = [("WH-E", "A", 4), ("WH-E", "B", 2), ("WH-W", "A", 2), ("WH-W", "C", 3)]
        app.receive_stock_batch(opening)
        hire(app, "COURIER-01")
        # The model: what must be true.
        self.on_hand: dict[tuple[str, str], int] = {(code, sku): n for code, sku, n in opening}
        self.reservations: dict[tuple[str, str], dict[str, int]] = {key: {} for key in self.on_hand}
        self.orders: dict[str, dict[str, Any]] = {}
        self.numbers: list[str] = []

    # -- running commands -------------------------------------------------------------

    def attempt(self, command: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, DomainError | None]:
        """Run a command; a refusal must leave the store exactly as it was."""
        head = self.app.head_position()
        self.clock.advance(timedelta(seconds=30))
        try:
            return command(*args, **kwargs), None
        except DomainError as error:
            assert self.app.head_position() == head, f"{type(error).__name__} but the log moved"
            return None, error

    def available(self, code: str, sku: str) -> int:
        if (code, sku) not in self.on_hand:
            return 0
        return self.on_hand[(code, sku)] - sum(self.reservations[(code, sku)].values())

    def expected_allocation(self, wanted: dict[str, int], rule: str, named: str | None,
                            home: dict[str, Any]) -> list[tuple[str, str, int]] | None:
        nearest_first = sorted(SITES, key=lambda code: (metres((home["lat"], home["lon"]), SITES[code]), code))
        if rule == "named":
            nearest_first = [named]  # type: ignore[list-item]
        if rule in ("named", "nearest"):
            for code in nearest_first:
                if all(self.available(code, sku) >= n for sku, n in wanted.items()):
                    return [(code, sku, n) for sku, n in wanted.items()]
            return None
        allocation = []
        for sku, n in wanted.items():
            for code in nearest_first:
                take = min(n, max(self.available(code, sku), 0))
                if take:
                    allocation.append((code, sku, take))
                    n -= take
            if n:
                return None
        return allocation

    def order(self, index: int) -> tuple[str, dict[str, Any]]:
        """Mostly the latest orders, so that one order gets moved far enough to matter."""
        number = self.numbers[-1 - index % len(self.numbers)]
        return number, self.orders[number]

    def expect_move(self, number: str, target: str, error: DomainError | None) -> bool:
        """True when the move was legal and happened; an illegal one must name both statuses."""
        current = self.orders[number]["status"]
        if target not in NEXT_STATUSES[current]:
            assert isinstance(error, InvalidTransition), error
            assert error.ids == {"order": number, "current": current, "wanted": target}
            return False
        assert error is None, f"{current} -> {target} is legal but was refused: {error!r}"
        return True

    # -- rules ------------------------------------------------------------------------

    @rule(customer=st.sampled_from(sorted(HOMES)), lines=order_lines, rule_=rules, named=warehouses,
          code=st.booleans())
    def place(self, customer: str, lines: list[tuple[str, int]], rule_: str, named: str, code: bool) -> None:
        wanted: dict[str, int] = {}
        for sku, n in lines:
            wanted[sku] = wanted.get(sku, 0) + n
        expected = self.expected_allocation(wanted, rule_, named, HOMES[customer])
        start = self.clock.now() + timedelta(hours=1)
        result, error = self.attempt(
            self.app.place_order, customer, lines, HOMES[customer], start, start + timedelta(hours=2),
            warehouse_rule=rule_, warehouse=named if rule_ == "named" else None, require_delivery_code=code,
        )
        if expected is None:
            assert isinstance(error, OutOfStock), error
            return
        assert error is None, error
        number = result["number"]
        order = self.app.repository.get(Order.create_id(number))
        assert order.allocations == expected
        assert order.warehouse_rule == rule_
        for code_, sku, n in expected:
            self.reservations[(code_, sku)][number] = n
            assert self.available(code_, sku) >= 0, "a reservation took available below zero"
        self.orders[number] = {"status": "PLACED", "allocations": expected, "code": code}
        self.numbers.append(number)

    @rule(code=warehouses, sku=skus, n=st.integers(1, 4))
    def receive(self, code: str, sku: str, n: int) -> None:
        _, error = self.attempt(self.app.receive_stock, code, sku, n, "delivery note")
        assert error is None, error
        self.on_hand[(code, sku)] = self.on_hand.get((code, sku), 0) + n
        self.reservations.setdefault((code, sku), {})

    @precondition(lambda self: self.numbers)
    @rule(index=recent)
    def cancel(self, index: int) -> None:
        number, order = self.order(index)
        _, error = self.attempt(self.app.cancel_order, number, "changed mind")
        if self.expect_move(number, "CANCELLED", error):
            for code, sku, _ in order["allocations"]:
                del self.reservations[(code, sku)][number]
            order["status"] = "CANCELLED"

    @precondition(lambda self: self.numbers)
    @rule(index=recent)
    def pick(self, index: int) -> None:
        number, order = self.order(index)
        _, error = self.attempt(self.app.pick_order, number, "picker")
        if self.expect_move(number, "PICKED", error):
            order["status"] = "PICKED"

    @precondition(lambda self: self.numbers)
    @rule(index=recent)
    def pack(self, index: int) -> None:
        number, order = self.order(index)
        _, error = self.attempt(self.app.pack_order, number, "packer")
        if self.expect_move(number, "PACKED", error):
            order["status"] = "PACKED"

    @precondition(lambda self: self.numbers)
    @rule(index=recent)
    def hand_to_courier(self, index: int) -> None:
        number, order = self.order(index)
        _, error = self.attempt(self.app.hand_order_to_courier, number, "COURIER-01")
        legal = "HANDED_TO_COURIER" in NEXT_STATUSES[order["status"]]
        if legal and any(self.on_hand[(c, s)] < n for c, s, n in order["allocations"]):
            assert isinstance(error, OutOfStock), f"shipped goods a count says are not there ({error})"
            return
        if self.expect_move(number, "HANDED_TO_COURIER", error):
            for code, sku, n in order["allocations"]:
                del self.reservations[(code, sku)][number]
                self.on_hand[(code, sku)] -= n
            order["status"] = "HANDED_TO_COURIER"

    @precondition(lambda self: self.numbers)
    @rule(index=recent)
    def send_out(self, index: int) -> None:
        number, order = self.order(index)
        _, error = self.attempt(self.app.send_order_out_for_delivery, number)
        if self.expect_move(number, "OUT_FOR_DELIVERY", error):
            order["status"] = "OUT_FOR_DELIVERY"

    @precondition(lambda self: self.numbers)
    @rule(index=recent, proof=st.sampled_from(["photo", "right code", "wrong code"]))
    def deliver(self, index: int, proof: str) -> None:
        number, order = self.order(index)
        code = self.app.delivery_code_for(number)
        assert (code is not None) == order["code"]
        if proof == "photo":
            kind, given = "photo", "at the door"
        else:
            right = code or "123456"
            kind, given = "code", right if proof == "right code" else f"{(int(right) + 1) % 1_000_000:06d}"
        _, error = self.attempt(self.app.deliver_order, number, kind, given)
        if order["status"] == "OUT_FOR_DELIVERY" and order["code"] and proof != "right code":
            assert isinstance(error, DeliveryCodeMismatch), error
            return
        if self.expect_move(number, "DELIVERED", error):
            order["status"] = "DELIVERED"

    @precondition(lambda self: self.numbers)
    @rule(index=recent)
    def fail_delivery(self, index: int) -> None:
        number, order = self.order(index)
        _, error = self.attempt(self.app.fail_delivery, number, "nobody home")
        if self.expect_move(number, "DELIVERY_FAILED", error):
            order["status"] = "DELIVERY_FAILED"

    @precondition(lambda self: self.numbers)
    @rule(index=recent)
    def return_to_warehouse(self, index: int) -> None:
        number, order = self.order(index)
        _, error = self.attempt(self.app.return_order_to_warehouse, number, "undeliverable")
        if self.expect_move(number, "RETURNED", error):
            for code, sku, n in order["allocations"]:
                self.on_hand[(code, sku)] += n
            order["status"] = "RETURNED"

    @rule()
    def switch_process(self) -> None:
        """The next commands run in the other process, whose cache has not seen the latest writes."""
        self.app = self.processes[1] if self.app is self.processes[0] else self.processes[0]

    @precondition(lambda self: self.numbers)
    @rule(index=recent)
    def advance(self, index: int) -> None:
        """The next step on the happy path (or the way back after a failed delivery)."""
        _, order = self.order(index)
        step = {
            "PLACED": self.pick, "PICKED": self.pack, "PACKED": self.hand_to_courier,
            "HANDED_TO_COURIER": self.send_out, "DELIVERY_FAILED": self.return_to_warehouse,
        }.get(order["status"])
        if order["status"] == "OUT_FOR_DELIVERY":
            self.deliver(index, "right code")
        elif step is not None:
            step(index)

    # -- what must always hold ------------------------------------------------------------

    @invariant()
    def stock_agrees_with_the_model_and_the_orders(self) -> None:
        held: dict[tuple[str, str], int] = {}
        for number, order in self.orders.items():
            aggregate = self.app.repository.get(Order.create_id(number))
            assert aggregate.status == order["status"]
            if aggregate.holds_reservations:
                for code, sku, n in aggregate.allocations:
                    held[(code, sku)] = held.get((code, sku), 0) + n
        for (code, sku), on_hand in self.on_hand.items():
            item = self.app.repository.get(StockItem.create_id(code, sku))
            assert item.on_hand == on_hand >= 0
            assert list(item.reservations.items()) == list(self.reservations[(code, sku)].items())
            assert item.reserved == sum(item.reservations.values()) == held.get((code, sku), 0)

    def teardown(self) -> None:
        try:
            self.check_status_paths()
            self.check_cold_replay()
        finally:
            for app in self.processes:
                app.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def check_status_paths(self) -> None:
        for number in self.numbers:
            statuses = [STATUS_OF_EVENT[type(e).__name__] for e in self.app.events.get(Order.create_id(number))]
            assert statuses[0] == "PLACED"
            for before, after in zip(statuses, statuses[1:]):
                assert after in NEXT_STATUSES[before], f"{number}: {before} -> {after}"

    def check_cold_replay(self) -> None:
        """A new application on the same store, cache cold, rebuilds every aggregate exactly."""
        cold = Peisong(self.settings, self.clock)
        try:
            ids = {n.originator_id for n in self.app.recorder.select_notifications(start=1, limit=1_000_000)}
            for aggregate_id in ids:
                rebuilt = cold.repository.get(aggregate_id)
                for app in self.processes:
                    hot = app.repository.get(aggregate_id)
                    assert type(hot) is type(rebuilt)
                    assert vars(hot) == vars(rebuilt), aggregate_id
                    if isinstance(hot, StockItem):
                        assert list(hot.reservations) == list(rebuilt.reservations)  # who loses out first
        finally:
            cold.close()


def stock_rules(machine: type[ShopMachine]) -> type[ShopMachine]:
    """The stock clerk's other commands, added to a machine: counts, adjustments, thresholds."""

    class WithStockRules(machine):  # type: ignore[valid-type, misc]
        @rule(code=warehouses, sku=skus, counted=st.integers(0, 6))
        def count(self, code: str, sku: str, counted: int) -> None:
            head = self.app.head_position()
            _, error = self.attempt(self.app.count_stock, code, sku, counted, "clerk")
            assert error is None, error
            self.on_hand[(code, sku)] = counted
            held = self.reservations.setdefault((code, sku), {})
            shortages = [e for e in self.app.events.get(StockItem.create_id(code, sku))
                         if type(e).__name__ == "StockShortageFound" and e.timestamp == self.clock.now()]
            recorded = [n.id for n in self.app.recorder.select_notifications(start=head + 1, limit=100)]
            assert recorded, "a count is always recorded"
            missing = sum(held.values()) - counted
            if missing <= 0:
                assert not shortages
                return
            assert len(shortages) == 1 and shortages[0].shortfall == missing
            named, cover = [], missing
            for number, n in reversed(list(held.items())):  # latest reservations lose out first
                if cover <= 0:
                    break
                named.append({"order_id": number, "quantity": n})
                cover -= n
            assert list(shortages[0].orders) == named

        @precondition(lambda self: any(o["status"] in HOLDING for o in self.orders.values()))
        @rule(index=recent, below=st.integers(1, 3))
        def count_short(self, index: int, below: int) -> None:
            """A stock-take finds less than a live order has reserved: the case that tests the rules most."""
            _, order = self.order(index)
            if order["status"] not in HOLDING:
                return
            code, sku, _ = order["allocations"][0]
            self.count(code, sku, max(sum(self.reservations[(code, sku)].values()) - below, 0))

        @rule(code=warehouses, sku=skus, delta=st.integers(-4, 4))
        def adjust(self, code: str, sku: str, delta: int) -> None:
            _, error = self.attempt(self.app.adjust_stock, code, sku, delta, "inventory fix")
            if (code, sku) not in self.on_hand:
                assert isinstance(error, NotFound), error
            elif delta == 0:
                assert isinstance(error, InvalidInput), error
            elif self.on_hand[(code, sku)] + delta < 0:
                assert isinstance(error, OutOfStock), error
            else:
                assert error is None, error
                self.on_hand[(code, sku)] += delta

        @rule(code=warehouses, sku=skus, threshold=st.integers(0, 4))
        def set_threshold(self, code: str, sku: str, threshold: int) -> None:
            _, error = self.attempt(self.app.set_reorder_threshold, code, sku, threshold)
            assert error is None, error
            self.on_hand.setdefault((code, sku), 0)
            self.reservations.setdefault((code, sku), {})

        @invariant()
        def low_stock_alarm_follows_the_threshold(self) -> None:
            for code, sku in self.on_hand:
                item = self.app.repository.get(StockItem.create_id(code, sku))
                if item.available <= item.threshold:
                    assert not item.low_stock_armed, f"{code}/{sku} is low but no alarm is standing"
                else:
                    assert item.low_stock_armed, f"{code}/{sku} is above its threshold but the alarm stands"

    WithStockRules.__name__ = machine.__name__
    return WithStockRules
