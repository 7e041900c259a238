"""One SKU in one warehouse: the rule "stock never goes negative" lives here."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidInput, OutOfStock, PreconditionFailed


class StockItem(PeisongAggregate):
    @staticmethod
    def create_id(warehouse: str, sku: str) -> UUID:
        return natural_id("stock", warehouse, sku)

    @event("StockItemOpened")
    def __init__(self, warehouse: str, sku: str, threshold: int) -> None:
        self.warehouse = warehouse
        self.sku = sku
        self.threshold = threshold
        self.on_hand = 0
        self.reservations: dict[str, int] = {}
        # Kept alongside the reservations: a busy SKU holds thousands, and every check asks for the sum.
        self.reserved = 0
        self.low_stock_armed = True

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    # -- commands: check, then record ------------------------------------------------

    def receive(self, quantity: int, reference: str) -> None:
        check_positive(quantity, "quantity")
        self._received(quantity=quantity, reference=reference)
        self._watch_threshold()

    def reserve(self, order_id: str, quantity: int) -> None:
        check_positive(quantity, "quantity")
        self.check_can_reserve(quantity)
        if order_id in self.reservations:
            raise PreconditionFailed(
                f"order {order_id} already holds a reservation of {self.sku} in {self.warehouse}",
                field="orderId", order_id=order_id, sku=self.sku,
            )
        self._reserved(order_id=order_id, quantity=quantity)
        self._watch_threshold()

    def check_can_reserve(self, quantity: int) -> None:
        if quantity > self.available:
            raise OutOfStock(
                f"{self.sku} in {self.warehouse}: {quantity} wanted, {max(self.available, 0)} available",
                field="quantity", sku=self.sku, warehouse=self.warehouse,
                wanted=quantity, available=max(self.available, 0),
            )

    def release(self, order_id: str, reason: str) -> None:
        quantity = self._reservation_of(order_id)
        self._released(order_id=order_id, quantity=quantity, reason=reason)
        self._watch_threshold()

    def ship(self, order_id: str) -> None:
        quantity = self._reservation_of(order_id)
        self.check_on_shelf(quantity)
        self._shipped(order_id=order_id, quantity=quantity)

    def check_on_shelf(self, quantity: int) -> None:
        """After a count found less than was reserved, goods that are not there cannot leave."""
        if quantity > self.on_hand:
            raise OutOfStock(
                f"{self.sku} in {self.warehouse}: cannot ship {quantity}, only {self.on_hand} on hand",
                field="quantity", sku=self.sku, warehouse=self.warehouse, wanted=quantity, available=self.on_hand,
            )

    def take_back(self, order_id: str, quantity: int) -> None:
        """Goods of an order come back to the shelf (returned to the warehouse)."""
        check_positive(quantity, "quantity")
        self._returned(order_id=order_id, quantity=quantity)
        self._watch_threshold()

    def count(self, counted: int, counted_by: str) -> None:
        """A stock-take is reality: always recorded, shortages named for the dispatcher."""
        if counted < 0:
            raise InvalidInput("a count cannot be negative", field="counted", counted=counted)
        self._counted(counted=counted, variance=counted - self.on_hand, counted_by=counted_by)
        self._report_shortage()
        self._watch_threshold()

    def adjust(self, delta: int, reason: str) -> None:
        if delta == 0:
            raise InvalidInput("an adjustment must change the quantity", field="delta")
        if not reason.strip():
            raise InvalidInput("an adjustment needs a reason", field="reason")
        if self.on_hand + delta < 0:
            raise OutOfStock(
                f"{self.sku} in {self.warehouse}: cannot adjust {delta}, only {self.on_hand} on hand",
                field="delta", sku=self.sku, warehouse=self.warehouse,
            )
        self._adjusted(delta=delta, reason=reason)
        self._report_shortage()
        self._watch_threshold()

    def set_threshold(self, threshold: int) -> None:
        if threshold < 0:
            raise InvalidInput("a reorder threshold cannot be negative", field="threshold")
        self._threshold_set(threshold=threshold)
        self._watch_threshold()

    def request_replenishment(self, quantity: int, trigger: str) -> None:
        check_positive(quantity, "quantity")
        self._replenishment_requested(quantity=quantity, trigger=trigger)

    # -- rules that follow every change ----------------------------------------------

    def _watch_threshold(self) -> None:
        if self.low_stock_armed and self.available <= self.threshold:
            self._low_stock(available=self.available, threshold=self.threshold)
        elif not self.low_stock_armed and self.available > self.threshold:
            self._low_stock_cleared(available=self.available, threshold=self.threshold)

    def _report_shortage(self) -> None:
        """Orders reserved last lose out first: the earliest promises are kept."""
        missing = self.reserved - self.on_hand
        if missing <= 0:
            return
        short: list[dict[str, object]] = []
        for order_id, quantity in reversed(list(self.reservations.items())):
            if missing <= 0:
                break
            short.append({"order_id": order_id, "quantity": quantity})
            missing -= quantity
        self._shortage_found(shortfall=self.reserved - self.on_hand, orders=tuple(short))

    def _reservation_of(self, order_id: str) -> int:
        try:
            return self.reservations[order_id]
        except KeyError:
            raise PreconditionFailed(
                f"order {order_id} holds no reservation of {self.sku} in {self.warehouse}",
                field="orderId", order_id=order_id, sku=self.sku,
            ) from None

    # -- events: the only way state changes ------------------------------------------

    @event("StockReceived")
    def _received(self, quantity: int, reference: str) -> None:
        self.on_hand += quantity

    @event("StockReserved")
    def _reserved(self, order_id: str, quantity: int) -> None:
        self.reservations[order_id] = quantity
        self.reserved += quantity

    @event("ReservationReleased")
    def _released(self, order_id: str, quantity: int, reason: str) -> None:
        self.reserved -= self.reservations.pop(order_id)

    @event("StockShipped")
    def _shipped(self, order_id: str, quantity: int) -> None:
        self.reserved -= self.reservations.pop(order_id)
        self.on_hand -= quantity

    @event("StockReturned")
    def _returned(self, order_id: str, quantity: int) -> None:
        self.on_hand += quantity

    @event("StockCounted")
    def _counted(self, counted: int, variance: int, counted_by: str) -> None:
        self.on_hand = counted

    @event("StockAdjusted")
    def _adjusted(self, delta: int, reason: str) -> None:
        self.on_hand += delta

    @event("ReorderThresholdSet")
    def _threshold_set(self, threshold: int) -> None:
        self.threshold = threshold

    @event("StockShortageFound")
    def _shortage_found(self, shortfall: int, orders: tuple[dict[str, object], ...]) -> None:
        pass

    @event("LowStockDetected")
    def _low_stock(self, available: int, threshold: int) -> None:
        self.low_stock_armed = False

    @event("LowStockCleared")
    def _low_stock_cleared(self, available: int, threshold: int) -> None:
        self.low_stock_armed = True

    @event("ReplenishmentRequested")
    def _replenishment_requested(self, quantity: int, trigger: str) -> None:
        pass


def check_positive(quantity: int, field: str) -> None:
    if quantity <= 0:
        raise InvalidInput(f"{field} must be greater than zero", field=field, value=quantity)
