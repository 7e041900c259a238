"""Commands on orders: placing reserves stock atomically; each later step moves stock with it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from domain import validation as v
from domain.allocation import allocate
from domain.catalogue import Product
from domain.commands.customers import clean_address
from domain.commands.stock import StockCommands
from domain.couriers import Courier
from domain.customers import Customer
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.execution import CommandResult
from domain.orders import WAREHOUSE_RULES, Order, delivery_code
from domain.stock import StockItem
from domain.warehouses import WarehouseNetwork
from domain.zones import UnzonedOrder, ZoneMap, zone_for_order

MAX_LINES = 100


def new_order_number() -> str:
    return "PS-" + secrets.token_hex(5).upper()


class OrderCommands(StockCommands):
    def place_order(
        self,
        customer: str,
        lines: Sequence[tuple[str, int]],
        address: dict[str, Any],
        window_start: datetime,
        window_end: datetime,
        warehouse_rule: str = "nearest",
        warehouse: str | None = None,
        require_delivery_code: bool = False,
        number: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Place an order and reserve every line in one save: all lines or nothing."""

        def body():  # type: ignore[no-untyped-def]
            placements = OrderPlacements(self)
            order = placements.place(OrderRequest(
                customer, lines, address, window_start, window_end, number=number,
                warehouse_rule=warehouse_rule, warehouse=warehouse, require_delivery_code=require_delivery_code,
            ))
            return placements.aggregates(), {"number": order.number, "id": str(order.id), "zone": order.zone}

        return self.run_command("placeOrder", body, idempotency_key)

    def delivery_code_for(self, number: str) -> str | None:
        order = self.existing_order(number)
        return delivery_code(self.settings.secret_key, number) if order.delivery_code_required else None

    def cancel_order(self, number: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            order = self.existing_order(number)
            order.cancel(v.text(reason, "reason", max_length=v.MAX_LONG_TEXT))
            items = [self._release(code, sku, number, "order cancelled") for code, sku, _ in order.allocations]
            return [order, *items], self._status(order)

        return self.run_command("cancelOrder", body, idempotency_key)

    def pick_order(self, number: str, picker: str = "", idempotency_key: str | None = None) -> CommandResult:
        return self._step(number, "pickOrder", lambda o: o.pick(v.text(picker, "picker", required=False)), idempotency_key)

    def pack_order(self, number: str, packer: str = "", idempotency_key: str | None = None) -> CommandResult:
        return self._step(number, "packOrder", lambda o: o.pack(v.text(packer, "packer", required=False)), idempotency_key)

    def hand_order_to_courier(self, number: str, courier_id: str, idempotency_key: str | None = None) -> CommandResult:
        """The order leaves the warehouse: its reservations become shipments."""

        def body():  # type: ignore[no-untyped-def]
            order = self.existing_order(number)
            courier = v.text(courier_id, "courierId", max_length=64)
            self.courier_able_to_work(courier)
            order.hand_to_courier(courier)
            items = []
            for code, sku, _ in order.allocations:
                item = self.existing_stock_item(code, sku)
                item.ship(number)
                items.append(item)
            return [order, *items], self._status(order)

        return self.run_command("handOrderToCourier", body, idempotency_key)

    def send_order_out_for_delivery(self, number: str, idempotency_key: str | None = None) -> CommandResult:
        return self._step(number, "sendOrderOutForDelivery", lambda o: o.send_out_for_delivery(), idempotency_key)

    def deliver_order(
        self, number: str, proof_kind: str, proof: str, idempotency_key: str | None = None
    ) -> CommandResult:
        def deliver(order: Order) -> None:
            expected = delivery_code(self.settings.secret_key, number)
            order.deliver(proof_kind, v.text(proof, "proof", required=False, max_length=v.MAX_LONG_TEXT), expected)

        return self._step(number, "deliverOrder", deliver, idempotency_key)

    def fail_delivery(self, number: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        return self._step(
            number, "failDelivery",
            lambda o: o.fail_delivery(v.text(reason, "reason", max_length=v.MAX_LONG_TEXT)), idempotency_key,
        )

    def return_order_to_warehouse(
        self, number: str, reason: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """Undelivered goods go back on the shelf of the warehouse that shipped them."""

        def body():  # type: ignore[no-untyped-def]
            order = self.existing_order(number)
            order.return_to_warehouse(v.text(reason, "reason", max_length=v.MAX_LONG_TEXT))
            items = []
            for code, sku, quantity in order.allocations:
                item = self.existing_stock_item(code, sku)
                item.take_back(number, quantity)
                items.append(item)
            return [order, *items], self._status(order)

        return self.run_command("returnOrderToWarehouse", body, idempotency_key)

    # -- helpers -------------------------------------------------------------------------

    def courier_able_to_work(self, reference: str) -> Courier:
        """Only a known, certified, active courier is given orders (CourierNotCertified / CourierNotActive)."""
        courier = self.get_or_none(Courier.create_id(reference))
        if courier is None:
            raise NotFound(f"courier {reference} not found", field="courierId", courier=reference)
        courier.check_can_take_work()
        return courier

    def existing_order(self, number: str) -> Order:
        return self.get_existing(Order.create_id(number), f"order {number}", "number")

    def _step(self, number: str, name: str, move: Any, idempotency_key: str | None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            order = self.existing_order(number)
            move(order)
            return [order], self._status(order)

        return self.run_command(name, body, idempotency_key)

    def _release(self, code: str, sku: str, number: str, reason: str) -> StockItem:
        item = self.existing_stock_item(code, sku)
        item.release(number, reason)
        return item

    @staticmethod
    def _status(order: Order) -> dict[str, Any]:
        return {"number": order.number, "id": str(order.id), "status": order.status}

    def _wanted_lines(self, lines: Sequence[tuple[str, int]]) -> tuple[list[tuple[str, int]], dict[str, Product]]:
        """Merge repeated SKUs and check each against the catalogue."""
        if not lines:
            raise InvalidInput("an order needs at least one line", field="lines")
        if len(lines) > MAX_LINES:
            raise InvalidInput(f"an order has at most {MAX_LINES} lines", field="lines")
        merged: dict[str, int] = {}
        products: dict[str, Product] = {}
        for i, (sku, quantity) in enumerate(lines):
            v.positive_int(quantity, f"lines.{i}.quantity")
            sku = v.text(sku, f"lines.{i}.sku", max_length=64)  # stock items are keyed by the cleaned SKU
            product = self.get_or_none(Product.create_id(sku))
            if product is None or product.discontinued:
                raise InvalidInput(f"unknown SKU {sku!r}", field=f"lines.{i}.sku", sku=sku)
            products[sku] = product
            merged[sku] = merged.get(sku, 0) + quantity
        return list(merged.items()), products


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


class OrderPlacements:
    """Orders being placed in one save and every stock item they reserve, shared between them.

    `place_order` places one; `place_orders` a batch, whose orders see each other's reservations.
    """

    def __init__(self, app: "OrderCommands") -> None:
        self.app = app
        self.orders: list[Order] = []
        self.unzoned: list[UnzonedOrder] = []
        self.numbers: list[str] = []
        self.items: dict[tuple[str, str], StockItem | None] = {}
        self.zone_map = app.get_or_none(ZoneMap.create_id())
        network = app.get_or_none(WarehouseNetwork.create_id())
        self.sites = network.sites if network else {}

    def place(self, request: OrderRequest) -> Order:
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
        return self.orders[-1]

    def available(self, code: str, sku: str) -> int:
        if (code, sku) not in self.items:
            self.items[(code, sku)] = self.app.get_or_none(StockItem.create_id(code, sku))
        item = self.items[(code, sku)]
        return item.available if item is not None else 0

    def aggregates(self) -> list[Any]:
        """Orders first, in placing order; then each stock item once, holding all its new reservations."""
        touched = [item for item in self.items.values() if item is not None and item.pending_events]
        return [*self.orders, *touched, *self.unzoned]
