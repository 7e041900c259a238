"""Commands on stock: receipts, counts, adjustments, thresholds, replenishment."""

from __future__ import annotations

from typing import Sequence

from domain import validation as v
from domain.catalogue import Product
from domain.errors import InvalidInput, NotFound
from domain.execution import CommandResult, CommandRunner
from domain.stock import StockItem
from domain.warehouses import Warehouse


class StockCommands(CommandRunner):
    def stock_item(self, warehouse: str, sku: str) -> StockItem:
        """The stock item, opened on first use once the warehouse and product are known."""
        item = self.get_or_none(StockItem.create_id(warehouse, sku))
        if item is not None:
            return item
        if self.get_or_none(Warehouse.create_id(warehouse)) is None:
            raise NotFound(f"warehouse {warehouse} not found", field="warehouse", warehouse=warehouse)
        if self.get_or_none(Product.create_id(sku)) is None:
            raise NotFound(f"product {sku} not found", field="sku", sku=sku)
        return StockItem(warehouse=warehouse, sku=sku, threshold=self.settings.default_reorder_threshold)

    def existing_stock_item(self, warehouse: str, sku: str) -> StockItem:
        return self.get_existing(StockItem.create_id(warehouse, sku), f"no stock of {sku} in {warehouse}", "sku")

    def receive_stock(
        self, warehouse: str, sku: str, quantity: int, reference: str = "", idempotency_key: str | None = None
    ) -> CommandResult:
        return self.receive_stock_batch([(warehouse, sku, quantity)], reference, idempotency_key)

    def receive_stock_batch(
        self,
        receipts: Sequence[tuple[str, str, int]],
        reference: str = "",
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """A delivery note of many lines is one save: all of it is booked, or none."""

        def body():  # type: ignore[no-untyped-def]
            if not receipts:
                raise InvalidInput("a receipt needs at least one line", field="lines")
            ref = v.text(reference, "reference", required=False)
            items: dict[tuple[str, str], StockItem] = {}
            for i, (warehouse, sku, quantity) in enumerate(receipts):
                v.positive_int(quantity, f"lines.{i}.quantity")
                item = items.get((warehouse, sku)) or self.stock_item(warehouse, sku)
                item.receive(quantity, ref)
                items[(warehouse, sku)] = item
            return list(items.values()), {"lines": len(receipts)}

        return self.run_command("receiveStock", body, idempotency_key)

    def count_stock(
        self, warehouse: str, sku: str, counted: int, counted_by: str = "", idempotency_key: str | None = None
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            item = self.stock_item(warehouse, sku)
            item.count(v.non_negative_int(counted, "counted"), v.text(counted_by, "countedBy", required=False))
            return [item], {"warehouse": warehouse, "sku": sku, "onHand": item.on_hand}

        return self.run_command("countStock", body, idempotency_key)

    def adjust_stock(
        self, warehouse: str, sku: str, delta: int, reason: str, idempotency_key: str | None = None
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            item = self.existing_stock_item(warehouse, sku)
            item.adjust(delta, v.text(reason, "reason"))
            return [item], {"warehouse": warehouse, "sku": sku, "onHand": item.on_hand}

        return self.run_command("adjustStock", body, idempotency_key)

    def set_reorder_threshold(
        self, warehouse: str, sku: str, threshold: int, idempotency_key: str | None = None
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            item = self.stock_item(warehouse, sku)
            item.set_threshold(v.non_negative_int(threshold, "threshold"))
            return [item], {"warehouse": warehouse, "sku": sku}

        return self.run_command("setReorderThreshold", body, idempotency_key)

    def request_replenishment(
        self, warehouse: str, sku: str, quantity: int, trigger: str, idempotency_key: str | None = None
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            item = self.existing_stock_item(warehouse, sku)
            item.request_replenishment(v.positive_int(quantity, "quantity"), trigger)
            return [item], {"warehouse": warehouse, "sku": sku, "quantity": quantity}

        return self.run_command("requestReplenishment", body, idempotency_key)
