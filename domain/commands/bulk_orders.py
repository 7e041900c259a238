"""Placing many orders in one save: the ingestion path for imported or generated order history.

A save costs about the same for one order as for a thousand (one commit, one fsync), so an import
of a year of orders goes through here rather than a year of `place_order` calls. Each order is
checked, allocated and reserved exactly as `place_order` does it, and its events carry the
business time it was placed at, so an imported history reads like one that happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from domain import validation as v
from domain.allocation import allocate
from domain.catalogue import Product
from domain.clock import command_time
from domain.commands.customers import clean_address
from domain.commands.orders import OrderCommands, new_order_number
from domain.customers import Customer
from domain.errors import AlreadyExists, DomainError, InvalidInput, NotFound
from domain.execution import CommandResult
from domain.orders import WAREHOUSE_RULES, Order
from domain.stock import StockItem
from domain.warehouses import WarehouseNetwork
from domain.zones import UnzonedOrder, ZoneMap, zone_for_order

MAX_BATCH = 10_000


@dataclass(frozen=True)
class OrderRequest:
    """One order of a batch, as `place_order` takes it, and when it was placed (default: now)."""

    customer: str
    lines: Sequence[tuple[str, int]]
    address: dict[str, Any]
    window_start: datetime
    window_end: datetime
    placed_at: datetime | None = None
    number: str | None = None
    warehouse_rule: str = "nearest"
    warehouse: str | None = None
    require_delivery_code: bool = False


class BulkOrderCommands(OrderCommands):
    def place_orders(self, requests: Sequence[OrderRequest], idempotency_key: str | None = None) -> CommandResult:
        """Place every order of the batch in one save: all of them or none (the refusal names the order).

        Placing times must not go backwards within the batch nor lie ahead of the clock, so the log
        stays in business-time order; orders of one batch see each other's reservations.
        """

        def body():  # type: ignore[no-untyped-def]
            if not requests:
                raise InvalidInput("a batch needs at least one order", field="orders")
            if len(requests) > MAX_BATCH:
                raise InvalidInput(f"a batch holds at most {MAX_BATCH} orders", field="orders")
            now = self.clock.now()
            batch = _Batch(self)
            previous: datetime | None = None
            for i, request in enumerate(requests):
                at = request.placed_at or now
                try:
                    if at.tzinfo is None:
                        raise InvalidInput("placedAt must carry a timezone", field="placedAt")
                    if at > now:
                        raise InvalidInput("an order cannot be placed in the future", field="placedAt")
                    if previous is not None and at < previous:
                        raise InvalidInput("orders of a batch come in the order they were placed", field="placedAt")
                    with command_time(at):
                        batch.place(request)
                except DomainError as refusal:
                    refusal.field = f"orders.{i}.{refusal.field}" if refusal.field else f"orders.{i}"
                    refusal.ids.setdefault("index", i)
                    raise
                previous = at
            return batch.aggregates(), {"placed": len(batch.numbers), "numbers": batch.numbers}

        return self.run_command("placeOrders", body, idempotency_key)


class _Batch:
    """The orders of one batch and every stock item they reserve, shared between them."""

    def __init__(self, app: BulkOrderCommands) -> None:
        self.app = app
        self.orders: list[Order] = []
        self.unzoned: list[UnzonedOrder] = []
        self.numbers: list[str] = []
        self.items: dict[tuple[str, str], StockItem | None] = {}
        self.zone_map = app.get_or_none(ZoneMap.create_id())
        network = app.get_or_none(WarehouseNetwork.create_id())
        self.sites = network.sites if network else {}

    def place(self, request: OrderRequest) -> None:
        app = self.app
        if request.number is not None:
            number = v.text(request.number, "number", max_length=64)
            if number in self.numbers or app.get_or_none(Order.create_id(number)) is not None:
                raise AlreadyExists(f"order {number} already exists", field="number", number=number)
        else:
            number = new_order_number()
        if app.get_or_none(Customer.create_id(request.customer)) is None:
            raise NotFound(f"customer {request.customer} not found", field="customer", customer=request.customer)
        place = clean_address(request.address, "address")
        zone, unzoned = zone_for_order(self.zone_map, number, place["lat"], place["lon"])
        start, end = v.window(request.window_start, request.window_end, "window")
        rule = v.one_of(request.warehouse_rule, WAREHOUSE_RULES, "warehouseRule")
        if rule != "named" and request.warehouse is not None:
            raise InvalidInput("name a warehouse only with the 'named' rule", field="warehouse")
        wanted, products = app._wanted_lines(request.lines)
        allocation = allocate(
            wanted, rule, self.sites, place["lat"], place["lon"],  # type: ignore[arg-type]
            self.available, named=request.warehouse,
        )
        lines = []
        for code, sku, quantity in allocation:
            product: Product = products[sku]
            self.items[(code, sku)].reserve(number, quantity)  # type: ignore[union-attr]
            lines.append({
                "sku": sku, "quantity": quantity, "warehouse": code, "unit_price": product.price,
                "weight_kg": product.weight_kg * quantity, "volume_l": product.volume_l * quantity,
            })
        self.orders.append(Order(
            number=number, customer_id=request.customer, lines=tuple(lines), address=place,
            window_start=start, window_end=end,
            weight_kg=sum((line["weight_kg"] for line in lines), Decimal(0)),
            volume_l=sum((line["volume_l"] for line in lines), Decimal(0)),
            warehouse_rule=rule, delivery_code_required=request.require_delivery_code, zone=zone,
        ))
        if unzoned is not None:
            self.unzoned.append(unzoned)
        self.numbers.append(number)

    def available(self, code: str, sku: str) -> int:
        if (code, sku) not in self.items:
            self.items[(code, sku)] = self.app.get_or_none(StockItem.create_id(code, sku))
        item = self.items[(code, sku)]
        return item.available if item is not None else 0

    def aggregates(self) -> list[Any]:
        """Orders first, in placing order; then each stock item once, holding all its new reservations."""
        touched = [item for item in self.items.values() if item is not None and item.pending_events]
        return [*self.orders, *touched, *self.unzoned]
