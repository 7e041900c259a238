"""Returns, exchanges and repairs: whether a request is within its window, and every step the goods take back.

A return needs no reason within its window (7 days by default), an exchange needs a quality
problem (15 days), a repair a described fault; each product category may set its own windows
(0 days: that service is not offered). A request must be answered within a day, like a
complaint's SLA. Approved goods are collected on a route, received and inspected at the
warehouse, then settled (refund, or an exchange order) and disposed of (back in stock, or
written off); a repair goes to the repairer and back to the customer instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidInput, InvalidTransition, PreconditionFailed
from domain.orders import DELIVERED, Order

RETURN = "return"
EXCHANGE = "exchange"
REPAIR = "repair"
SERVICES = (RETURN, EXCHANGE, REPAIR)

REQUESTED = "REQUESTED"
APPROVED = "APPROVED"
REJECTED = "REJECTED"
PICKUP_SCHEDULED = "PICKUP_SCHEDULED"
PICKED_UP = "PICKED_UP"
RECEIVED = "RECEIVED"
INSPECTED = "INSPECTED"
SENT_TO_REPAIR = "SENT_TO_REPAIR"
REPAIRED = "REPAIRED"
COMPLETED = "COMPLETED"
STATUSES = (
    REQUESTED, APPROVED, REJECTED, PICKUP_SCHEDULED, PICKED_UP, RECEIVED, INSPECTED, SENT_TO_REPAIR, REPAIRED,
    COMPLETED,
)
FINAL = (REJECTED, COMPLETED)

INSPECTION_RESULTS = ("as_described", "damaged", "incomplete")
ANSWER_SLA = "answer"


class OutsideAfterSalesWindow(PreconditionFailed):
    pass


@dataclass(frozen=True)
class Windows:
    """Days after delivery each service may be asked for."""

    return_days: int = 7
    exchange_days: int = 15
    repair_days: int = 365

    def __post_init__(self) -> None:
        for name in ("return_days", "exchange_days", "repair_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
                camel = name.split("_")[0] + "Days"
                raise InvalidInput(f"{camel} is a whole number of days from 0 to 3650", field=camel, value=value)

    def days(self, service: str) -> int:
        return {RETURN: self.return_days, EXCHANGE: self.exchange_days, REPAIR: self.repair_days}[service]


def delivered_at(order: Order) -> datetime | None:
    """When the order was delivered: delivery is its last event, so the aggregate's last change."""
    return order.modified_on if order.status == DELIVERED else None


class AfterSalesPolicy(PeisongAggregate):
    """One product category's windows; recorded, so a refusal can always be explained by the rule then."""

    @staticmethod
    def create_id(category: str) -> UUID:
        return natural_id("aftersales-policy", category)

    @event("AfterSalesPolicySet")
    def __init__(self, category: str, return_days: int, exchange_days: int, repair_days: int) -> None:
        self.category = category
        self.windows = Windows(return_days, exchange_days, repair_days)

    @event("AfterSalesPolicyChanged")
    def change(self, return_days: int, exchange_days: int, repair_days: int) -> None:
        self.windows = Windows(return_days, exchange_days, repair_days)


def check_within_window(
    service: str, delivered: datetime, now: datetime, line: dict[str, Any], windows: Windows,
) -> None:
    days = windows.days(service)
    if days == 0:
        raise OutsideAfterSalesWindow(
            f"{line['category']} goods ({line['sku']}) cannot be taken back for {service}",
            field="service", service=service, sku=line["sku"],
        )
    if now > delivered + timedelta(days=days):
        raise OutsideAfterSalesWindow(
            f"a {service} of {line['sku']} is possible within {days} days of delivery",
            field="service", service=service, sku=line["sku"], days=days, delivered_at=delivered,
        )


class AfterSalesRequest(PeisongAggregate):
    @staticmethod
    def create_id(number: str) -> UUID:
        return natural_id("aftersales", number)

    @event("AfterSalesRequested")
    def __init__(
        self,
        number: str,
        service: str,
        order: str,
        customer: str,
        lines: tuple[dict[str, Any], ...],
        reason: str,
        delivered_at: datetime,
        windows: dict[str, int],
        answer_due: datetime,
        address: dict[str, Any],
        zone: str | None,
    ) -> None:
        self.number = number
        self.service = service
        self.order = order
        self.customer = customer
        self.lines = [dict(line) for line in lines]
        self.reason = reason
        self.address = dict(address)
        self.zone = zone
        self.answer_due = answer_due
        self.status = REQUESTED
        self.escalated = False
        self.settled = False
        self.disposed = False
        self.pickup: dict[str, datetime] | None = None
        self.warehouse: str | None = None
        self.exchange_order: str | None = None

    @property
    def value(self) -> Decimal:
        return sum((Decimal(str(line["unit_price"])) * int(line["quantity"]) for line in self.lines), Decimal(0))

    # -- the answer SLA ------------------------------------------------------------------------

    def next_deadline(self) -> datetime | None:
        return self.answer_due if self.status == REQUESTED and not self.escalated else None

    def escalate(self, now: datetime) -> list[str]:
        if self.status != REQUESTED or self.escalated or now <= self.answer_due:
            return []
        self._escalated(sla=ANSWER_SLA, due=self.answer_due,
                        overdue_minutes=int((now - self.answer_due).total_seconds() // 60))
        return [ANSWER_SLA]

    # -- commands: check, then record -------------------------------------------------------------

    def approve(self, note: str, by: str) -> None:
        self.check_status("approved", (REQUESTED,))
        self._approved(note=note, by=by)

    def reject(self, reason: str, by: str) -> None:
        self.check_status("rejected", (REQUESTED,))
        if not reason:
            raise InvalidInput("a rejection needs a reason", field="reason")
        self._rejected(reason=reason, by=by)

    def schedule_pickup(self, start: datetime, end: datetime, weight_kg: Decimal, volume_l: Decimal) -> None:
        """A pickup stop for the next route plan (rescheduling replaces it)."""
        self.check_status("given a pickup", (APPROVED, PICKUP_SCHEDULED))
        self._pickup_scheduled(window_start=start, window_end=end, weight_kg=weight_kg, volume_l=volume_l)

    def record_pickup(self, courier: str) -> None:
        self.check_status("picked up", (PICKUP_SCHEDULED,))
        self._picked_up(courier=courier)

    def receive(self, warehouse: str) -> None:
        self.check_status("received", (PICKED_UP,))
        self._received(warehouse=warehouse)

    def inspect(self, result: str, notes: str) -> None:
        self.check_status("inspected", (RECEIVED,))
        if result not in INSPECTION_RESULTS:
            raise InvalidInput(f"result must be one of {', '.join(INSPECTION_RESULTS)}", field="result")
        self._inspected(result=result, notes=notes)

    def refund(self, amount: Decimal) -> None:
        self.check_service(RETURN, "refunded")
        self.check_status("refunded", (INSPECTED,))
        self.check_not_settled()
        if not Decimal(0) < amount <= self.value:
            raise InvalidInput(f"a refund is more than 0 and at most {self.value}", field="amount", value=str(amount))
        self._refunded(amount=amount)
        self._complete_if_done()

    def exchange(self, new_order: str) -> None:
        self.check_service(EXCHANGE, "exchanged")
        self.check_status("exchanged", (INSPECTED,))
        self.check_not_settled()
        self._exchanged(exchange_order=new_order)
        self._complete_if_done()

    def restock(self, warehouse: str) -> None:
        self.check_disposal("restocked")
        goods = tuple({"sku": line["sku"], "quantity": line["quantity"]} for line in self.lines)
        self._restocked(warehouse=warehouse, lines=goods)
        self._complete_if_done()

    def write_off(self, reason: str) -> None:
        self.check_disposal("written off")
        if not reason:
            raise InvalidInput("a write-off needs a reason", field="reason")
        self._written_off(reason=reason)
        self._complete_if_done()

    def send_to_repair(self, repairer: str) -> None:
        self.check_service(REPAIR, "sent to repair")
        self.check_status("sent to repair", (INSPECTED,))
        self._sent_to_repair(repairer=repairer)

    def mark_repaired(self, notes: str) -> None:
        self.check_status("repaired", (SENT_TO_REPAIR,))
        self._repaired(notes=notes)

    def return_to_customer(self, courier: str) -> None:
        self.check_status("returned to the customer", (REPAIRED,))
        self._returned_to_customer(courier=courier)

    # -- rules ------------------------------------------------------------------------------------

    def check_status(self, doing: str, allowed: tuple[str, ...]) -> None:
        if self.status not in allowed:
            raise InvalidTransition(
                f"request {self.number} is {self.status} and cannot be {doing}",
                field="number", request=self.number, status=self.status,
            )

    def check_service(self, service: str, doing: str) -> None:
        if self.service != service:
            raise InvalidTransition(
                f"request {self.number} is a {self.service} and cannot be {doing}",
                field="number", request=self.number, service=self.service,
            )

    def check_not_settled(self) -> None:
        if self.settled:
            raise InvalidTransition(f"request {self.number} is already settled", field="number", request=self.number)

    def check_disposal(self, doing: str) -> None:
        if self.service == REPAIR:
            raise InvalidTransition(f"a repair's goods go back to the customer and cannot be {doing}",
                                    field="number", request=self.number)
        self.check_status(doing, (INSPECTED,))
        if self.disposed:
            raise InvalidTransition(f"the goods of request {self.number} are already dealt with",
                                    field="number", request=self.number)

    def _complete_if_done(self) -> None:
        if self.settled and self.disposed:
            self._completed()

    # -- events: the only way state changes ------------------------------------------------------

    @event("AfterSalesApproved")
    def _approved(self, note: str, by: str) -> None:
        self.status = APPROVED

    @event("AfterSalesRejected")
    def _rejected(self, reason: str, by: str) -> None:
        self.status = REJECTED

    @event("AfterSalesEscalated")
    def _escalated(self, sla: str, due: datetime, overdue_minutes: int) -> None:
        self.escalated = True

    @event("ReturnPickupScheduled")
    def _pickup_scheduled(self, window_start: datetime, window_end: datetime, weight_kg: Decimal,
                          volume_l: Decimal) -> None:
        self.status = PICKUP_SCHEDULED
        self.pickup = {"start": window_start, "end": window_end}

    @event("ReturnPickedUp")
    def _picked_up(self, courier: str) -> None:
        self.status = PICKED_UP

    @event("ReturnReceived")
    def _received(self, warehouse: str) -> None:
        self.status = RECEIVED
        self.warehouse = warehouse

    @event("ReturnInspected")
    def _inspected(self, result: str, notes: str) -> None:
        self.status = INSPECTED

    @event("RefundIssued")
    def _refunded(self, amount: Decimal) -> None:
        self.settled = True

    @event("ExchangeOrderPlaced")
    def _exchanged(self, exchange_order: str) -> None:
        self.settled = True
        self.exchange_order = exchange_order

    @event("ReturnRestocked")
    def _restocked(self, warehouse: str, lines: tuple[dict[str, Any], ...]) -> None:
        self.disposed = True

    @event("ReturnWrittenOff")
    def _written_off(self, reason: str) -> None:
        self.disposed = True

    @event("AfterSalesCompleted")
    def _completed(self) -> None:
        self.status = COMPLETED

    @event("SentToRepair")
    def _sent_to_repair(self, repairer: str) -> None:
        self.status = SENT_TO_REPAIR

    @event("RepairCompleted")
    def _repaired(self, notes: str) -> None:
        self.status = REPAIRED

    @event("RepairedGoodsReturned")
    def _returned_to_customer(self, courier: str) -> None:
        self.status = COMPLETED
