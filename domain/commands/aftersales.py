"""Commands on returns, exchanges and repairs, from the customer's request to the goods' last stop."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Callable, Sequence

from domain import validation as v
from domain.aftersales import (
    EXCHANGE, INSPECTED, PICKUP_SCHEDULED, REJECTED, RETURN, SERVICES, AfterSalesPolicy, AfterSalesRequest, Windows,
    check_within_window, delivered_at,
)
from domain.catalogue import Product
from domain.commands.cases import CaseCommands, agent, money
from domain.errors import AlreadyExists, InvalidInput, NotFound, PreconditionFailed
from domain.execution import CommandResult
from domain.orders import Order
from domain.stock import StockItem

MAX_REQUESTS_PER_ORDER = 50


def request_number(order: str, n: int) -> str:
    """Requests are numbered per order, so an order's requests are found without an index."""
    return f"AS-{order}-{n}"


class AfterSalesCommands(CaseCommands):
    # From the order and stock commands the application is also made of.
    place_order: Callable[..., CommandResult]
    stock_item: Callable[[str, str], StockItem]

    def set_aftersales_policy(
        self, category: str, return_days: int, exchange_days: int, repair_days: int,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            name = v.text(category, "category", max_length=64)
            windows = Windows(return_days, exchange_days, repair_days)
            policy = self.get_or_none(AfterSalesPolicy.create_id(name))
            if policy is None:
                policy = AfterSalesPolicy(name, windows.return_days, windows.exchange_days, windows.repair_days)
            else:
                policy.change(windows.return_days, windows.exchange_days, windows.repair_days)
            return [policy], {"category": name, **windows.__dict__}

        return self.run_command("setAfterSalesPolicy", body, idempotency_key)

    def request_aftersales(
        self,
        order: str,
        service: str,
        lines: Sequence[tuple[str, int]] | None = None,
        reason: str = "",
        customer: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Ask to return, exchange or repair goods of a delivered order (all its lines when none are named).

        A return needs no reason; an exchange needs the quality problem and a repair the fault.
        Every line must be within its product category's window for the service.
        """

        def body():  # type: ignore[no-untyped-def]
            kind = v.one_of(service, SERVICES, "service")
            delivered = self.existing_order_of(v.text(order, "order", max_length=64))
            if customer is not None and delivered.customer_id != customer:
                raise NotFound(f"order {order} not found", field="order", order=order)
            at = delivered_at(delivered)
            if at is None:
                raise PreconditionFailed(f"order {order} is {delivered.status}; only delivered goods come back",
                                         field="order", order=order, status=delivered.status)
            why = v.text(reason, "reason", required=kind != RETURN, max_length=v.MAX_LONG_TEXT)
            number, taken = self._next_request(delivered.number)
            chosen = self._chosen_lines(delivered, lines, taken)
            now = self.clock.now()
            windows: dict[str, int] = {}
            for line in chosen:
                rules = self.windows_for(line["category"])
                check_within_window(kind, at, now, line, rules)
                windows[line["sku"]] = rules.days(kind)
            request = AfterSalesRequest(
                number=number, service=kind, order=delivered.number, customer=delivered.customer_id,
                lines=tuple(chosen), reason=why, delivered_at=at, windows=windows,
                answer_due=now + timedelta(hours=self.settings.aftersales_answer_hours),
                address=dict(delivered.address), zone=delivered.zone,
            )
            return [request, self.watch_request(request)], self._request_result(request)

        return self.run_command("requestAfterSales", body, idempotency_key)

    def approve_aftersales(self, number: str, note: str = "", by: str = "",
                           idempotency_key: str | None = None) -> CommandResult:
        return self._request_step(number, "approveAfterSales", lambda r: r.approve(
            v.text(note, "note", required=False, max_length=v.MAX_LONG_TEXT), agent(by)), idempotency_key)

    def reject_aftersales(self, number: str, reason: str, by: str = "",
                          idempotency_key: str | None = None) -> CommandResult:
        return self._request_step(number, "rejectAfterSales", lambda r: r.reject(
            v.text(reason, "reason", max_length=v.MAX_LONG_TEXT), agent(by)), idempotency_key)

    def schedule_return_pickup(self, number: str, window_start: datetime, window_end: datetime,
                               idempotency_key: str | None = None) -> CommandResult:
        """The goods are collected at the customer's address in this window: a pickup stop for the next plan."""

        def schedule(request: AfterSalesRequest) -> None:
            start, end = v.window(window_start, window_end, "window")
            if end <= self.clock.now():
                raise InvalidInput("the pickup window is already over", field="windowEnd")
            weight = sum((Decimal(str(line["weight_kg"])) for line in request.lines), Decimal(0))
            volume = sum((Decimal(str(line["volume_l"])) for line in request.lines), Decimal(0))
            request.schedule_pickup(start, end, weight, volume)

        return self._request_step(number, "scheduleReturnPickup", schedule, idempotency_key)

    def record_return_pickup(self, number: str, courier: str, idempotency_key: str | None = None) -> CommandResult:
        return self._request_step(number, "recordReturnPickup", lambda r: r.record_pickup(
            v.text(courier, "courier", max_length=64)), idempotency_key)

    def receive_return(self, number: str, warehouse: str | None = None,
                       idempotency_key: str | None = None) -> CommandResult:
        """The goods arrive at a warehouse: by default the one that shipped them."""

        def receive(request: AfterSalesRequest) -> None:
            code = v.text(warehouse, "warehouse", max_length=40) if warehouse else str(request.lines[0]["warehouse"])
            request.receive(code)

        return self._request_step(number, "receiveReturn", receive, idempotency_key)

    def inspect_return(self, number: str, result: str, notes: str = "",
                       idempotency_key: str | None = None) -> CommandResult:
        return self._request_step(number, "inspectReturn", lambda r: r.inspect(
            result, v.text(notes, "notes", required=False, max_length=v.MAX_LONG_TEXT)), idempotency_key)

    def refund_aftersales(self, number: str, amount: Any = None, idempotency_key: str | None = None) -> CommandResult:
        """Refund the goods' value, or less (say, for goods returned damaged)."""
        return self._request_step(number, "refundAfterSales", lambda r: r.refund(
            r.value if amount is None else money(amount, "amount")), idempotency_key)

    def exchange_aftersales(
        self, number: str, window_start: datetime | None = None, window_end: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Send the same goods again as a new order linked to the request, placed like any other order.

        Two saves, each idempotent: the order is placed with a key derived from the request, so a
        retry after a failure between them finds the same order instead of placing a second.
        """
        with self._command_lock:
            if idempotency_key is not None:
                self.repository.follow()
                earlier = self._earlier_result("exchangeAfterSales", idempotency_key)
                if earlier is not None:
                    return earlier
            request = self.existing_request(number)
            request.check_service(EXCHANGE, "exchanged")
            request.check_status("exchanged", (INSPECTED,))
            request.check_not_settled()
            start, end = self._exchange_window(request, window_start, window_end)
            placed = self.place_order(
                request.customer, [(str(line["sku"]), int(line["quantity"])) for line in request.lines],
                request.address, start, end, number=f"{request.number}-X",
                idempotency_key=f"aftersales-exchange:{request.number}",
            )
            return self._request_step(number, "exchangeAfterSales", lambda r: r.exchange(placed["number"]),
                                      idempotency_key, extra={"exchangeOrder": placed["number"]})

    def restock_return(self, number: str, idempotency_key: str | None = None) -> CommandResult:
        """Goods that passed inspection go back on the shelf of the warehouse that received them."""

        def body():  # type: ignore[no-untyped-def]
            request = self.existing_request(number)
            request.restock(request.warehouse or str(request.lines[0]["warehouse"]))
            items = []
            for line in request.lines:
                item = self.stock_item(request.warehouse or str(line["warehouse"]), str(line["sku"]))
                item.take_back(request.order, int(line["quantity"]))
                items.append(item)
            return [request, *items, self.watch_request(request)], self._request_result(request)

        return self.run_command("restockReturn", body, idempotency_key)

    def write_off_return(self, number: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        return self._request_step(number, "writeOffReturn", lambda r: r.write_off(
            v.text(reason, "reason", max_length=v.MAX_LONG_TEXT)), idempotency_key)

    def send_to_repair(self, number: str, repairer: str, idempotency_key: str | None = None) -> CommandResult:
        return self._request_step(number, "sendToRepair", lambda r: r.send_to_repair(
            v.text(repairer, "repairer", max_length=120)), idempotency_key)

    def mark_repaired(self, number: str, notes: str = "", idempotency_key: str | None = None) -> CommandResult:
        return self._request_step(number, "markRepaired", lambda r: r.mark_repaired(
            v.text(notes, "notes", required=False, max_length=v.MAX_LONG_TEXT)), idempotency_key)

    def return_repaired_goods(self, number: str, courier: str, idempotency_key: str | None = None) -> CommandResult:
        return self._request_step(number, "returnRepairedGoods", lambda r: r.return_to_customer(
            v.text(courier, "courier", max_length=64)), idempotency_key)

    # -- reading, for route planning ---------------------------------------------------------------

    def pickup_stop(self, number: str) -> dict[str, Any] | None:
        """A scheduled pickup as a planner needs it (None once collected): where, when, how much, and to which
        warehouse the goods ride back."""
        with self._command_lock:
            request = self.get_or_none(AfterSalesRequest.create_id(number))
            if not isinstance(request, AfterSalesRequest) or request.pickup is None \
                    or request.status != PICKUP_SCHEDULED:
                return None
            return {
                "request": request.number, "order": request.order, "customer": request.customer,
                "lat": float(request.address["lat"]), "lon": float(request.address["lon"]), "zone": request.zone,
                "window_start": request.pickup["start"], "window_end": request.pickup["end"],
                "weight_kg": sum((Decimal(str(l["weight_kg"])) for l in request.lines), Decimal(0)),  # noqa: E741
                "volume_l": sum((Decimal(str(l["volume_l"])) for l in request.lines), Decimal(0)),  # noqa: E741
                "warehouse": str(request.lines[0]["warehouse"]),
            }

    # -- helpers -----------------------------------------------------------------------------------

    def windows_for(self, category: str) -> Windows:
        policy = self.get_or_none(AfterSalesPolicy.create_id(category))
        if policy is not None:
            return policy.windows
        s = self.settings
        return Windows(s.return_window_days, s.exchange_window_days, s.repair_window_days)

    def existing_request(self, number: str) -> AfterSalesRequest:
        return self.get_existing(AfterSalesRequest.create_id(number), f"request {number}", "number")

    def _next_request(self, order: str) -> tuple[str, dict[str, int]]:
        """The next free request number of the order, and how much of each SKU its live requests already take."""
        taken: dict[str, int] = {}
        for n in range(1, MAX_REQUESTS_PER_ORDER + 1):
            earlier = self.get_or_none(AfterSalesRequest.create_id(request_number(order, n)))
            if earlier is None:
                return request_number(order, n), taken
            if earlier.status != REJECTED:
                for line in earlier.lines:
                    taken[line["sku"]] = taken.get(line["sku"], 0) + int(line["quantity"])
        raise PreconditionFailed(f"order {order} has had {MAX_REQUESTS_PER_ORDER} requests already", field="order")

    def _chosen_lines(self, order: Order, lines: Sequence[tuple[str, int]] | None,
                      taken: dict[str, int]) -> list[dict[str, Any]]:
        ordered: dict[str, dict[str, Any]] = {}
        for line in order.lines:
            sku = str(line["sku"])
            if sku in ordered:  # a split order ships one SKU from two warehouses
                ordered[sku]["quantity"] += int(line["quantity"])
            else:
                ordered[sku] = dict(line, quantity=int(line["quantity"]))
        wanted = list(lines) if lines else [
            (sku, line["quantity"] - taken.get(sku, 0)) for sku, line in ordered.items()
        ]
        chosen = []
        for i, (sku, quantity) in enumerate(wanted):
            if sku not in ordered:
                raise InvalidInput(f"order {order.number} has no {sku}", field=f"lines.{i}.sku", sku=sku)
            left = ordered[sku]["quantity"] - taken.get(sku, 0)
            if not lines and left <= 0:
                continue
            v.positive_int(quantity, f"lines.{i}.quantity")
            if quantity > left:
                raise InvalidInput(f"only {left} of {sku} can still come back", field=f"lines.{i}.quantity",
                                   sku=sku, left=left)
            line = ordered[sku]
            product = self.get_or_none(Product.create_id(sku))
            share = Decimal(quantity) / Decimal(line["quantity"])
            chosen.append({
                "sku": sku, "quantity": quantity, "warehouse": str(line["warehouse"]),
                "unit_price": Decimal(str(line["unit_price"])), "category": product.category if product else "",
                "weight_kg": (Decimal(str(line["weight_kg"])) * share).quantize(Decimal("0.001")),
                "volume_l": (Decimal(str(line["volume_l"])) * share).quantize(Decimal("0.001")),
            })
        if not chosen:
            raise AlreadyExists(f"every line of order {order.number} is already in a request", field="lines")
        return chosen

    def _exchange_window(self, request: AfterSalesRequest, start: datetime | None,
                         end: datetime | None) -> tuple[datetime, datetime]:
        """The window asked for, or the original order's window moved on by whole days until it is ahead."""
        if start is not None or end is not None:
            if start is None or end is None:
                raise InvalidInput("give both ends of the window", field="windowStart")
            return v.window(start, end, "window")
        original = self.existing_order_of(request.order)
        start, end = original.window_start, original.window_end
        now = self.clock.now()
        while start <= now + timedelta(hours=1):
            start, end = start + timedelta(days=1), end + timedelta(days=1)
        return start, end

    def _request_step(self, number: str, name: str, step: Callable[[AfterSalesRequest], None],
                      idempotency_key: str | None, extra: dict[str, Any] | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            request = self.existing_request(number)
            step(request)
            return [request, self.watch_request(request)], {**self._request_result(request), **(extra or {})}

        return self.run_command(name, body, idempotency_key)

    @staticmethod
    def _request_result(request: AfterSalesRequest) -> dict[str, Any]:
        return {"number": request.number, "id": str(request.id), "status": request.status,
                "service": request.service}

