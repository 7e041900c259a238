"""An order's life from placing to delivery or return; illegal moves are refused here."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import DeliveryCodeMismatch, InvalidInput, InvalidTransition

PLACED = "PLACED"
PICKED = "PICKED"
PACKED = "PACKED"
HANDED_TO_COURIER = "HANDED_TO_COURIER"
OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
DELIVERED = "DELIVERED"
DELIVERY_FAILED = "DELIVERY_FAILED"
RETURNED = "RETURNED"
CANCELLED = "CANCELLED"

STATUSES = (
    PLACED, PICKED, PACKED, HANDED_TO_COURIER, OUT_FOR_DELIVERY,
    DELIVERED, DELIVERY_FAILED, RETURNED, CANCELLED,
)

# Where an order may go from each status. Anything else is an illegal transition.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    PLACED: (PICKED, CANCELLED),
    PICKED: (PACKED, CANCELLED),
    PACKED: (HANDED_TO_COURIER, CANCELLED),
    HANDED_TO_COURIER: (OUT_FOR_DELIVERY,),
    OUT_FOR_DELIVERY: (DELIVERED, DELIVERY_FAILED),
    DELIVERY_FAILED: (OUT_FOR_DELIVERY, RETURNED),
    DELIVERED: (),
    RETURNED: (),
    CANCELLED: (),
}

PROOF_KINDS = ("photo", "signature", "code")
WAREHOUSE_RULES = ("nearest", "named", "split")


def delivery_code(secret: str, order_number: str) -> str:
    """The one-time code a customer tells the courier; derived, so it is never stored in the log."""
    digest = hmac.new(secret.encode(), f"delivery-code:{order_number}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


class Order(PeisongAggregate):
    @staticmethod
    def create_id(number: str) -> UUID:
        return natural_id("order", number)

    @event("OrderPlaced")
    def __init__(
        self,
        number: str,
        customer_id: str,
        lines: tuple[dict[str, object], ...],
        address: dict[str, object],
        window_start: datetime,
        window_end: datetime,
        weight_kg: Decimal,
        volume_l: Decimal,
        warehouse_rule: str,
        delivery_code_required: bool,
        zone: str | None = None,
    ) -> None:
        self.number = number
        self.customer_id = customer_id
        self.lines = [dict(line) for line in lines]
        self.address = dict(address)
        self.window_start = window_start
        self.window_end = window_end
        self.weight_kg = weight_kg
        self.volume_l = volume_l
        self.warehouse_rule = warehouse_rule
        self.delivery_code_required = delivery_code_required
        self.zone = zone
        self.status = PLACED
        self.courier_id: str | None = None
        self.attempts = 0
        # Set by dispatch (a route plan put on the road): whose route the order is on, in which plan.
        self.assigned_courier: str | None = None
        self.assigned_plan: str | None = None

    @property
    def allocations(self) -> list[tuple[str, str, int]]:
        """(warehouse, sku, quantity) for every line: what stock this order holds."""
        return [(str(l["warehouse"]), str(l["sku"]), int(l["quantity"])) for l in self.lines]  # noqa: E741

    @property
    def holds_reservations(self) -> bool:
        return self.status in (PLACED, PICKED, PACKED)

    def check_can_move_to(self, status: str) -> None:
        if status not in NEXT_STATUSES[self.status]:
            raise InvalidTransition(
                f"order {self.number} is {self.status} and cannot become {status}",
                field="status", order=self.number, current=self.status, wanted=status,
            )

    def cancel(self, reason: str) -> None:
        self.check_can_move_to(CANCELLED)
        self._cancelled(reason=reason)

    def pick(self, picker: str) -> None:
        self.check_can_move_to(PICKED)
        self._picked(picker=picker)

    def pack(self, packer: str) -> None:
        self.check_can_move_to(PACKED)
        self._packed(packer=packer)

    def hand_to_courier(self, courier_id: str) -> None:
        self.check_can_move_to(HANDED_TO_COURIER)
        if not courier_id.strip():
            raise InvalidInput("a courier is needed", field="courierId")
        self._handed_to_courier(courier_id=courier_id)

    def assign(self, courier_id: str, plan: str) -> None:
        """A dispatched plan gives the order to a courier's route; it stays PACKED until handed over.

        Goods already handed to a courier stay with that courier: a re-plan may only move the
        order to a later place in the same courier's route.
        """
        carried_by_them = self.status in (HANDED_TO_COURIER, OUT_FOR_DELIVERY) and courier_id == self.courier_id
        if self.status == PACKED or carried_by_them:
            self._assigned(courier_id=courier_id, plan=plan)
            return
        raise InvalidTransition(
            f"order {self.number} is {self.status}" + (f" with courier {self.courier_id}" if self.courier_id else "")
            + f" and cannot be assigned to courier {courier_id}",
            field="order", order=self.number, current=self.status, courier=courier_id,
        )

    def unassign(self, plan: str, reason: str) -> None:
        """A re-plan of `plan` left the order out before the courier took it: it goes back to the next wave."""
        if self.status != PACKED or self.assigned_plan != plan:
            raise InvalidTransition(
                f"order {self.number} is {self.status} on plan {self.assigned_plan}, not packed on plan {plan}",
                field="order", order=self.number, current=self.status, plan=plan,
            )
        self._unassigned(plan=plan, reason=reason)

    def send_out_for_delivery(self) -> None:
        self.check_can_move_to(OUT_FOR_DELIVERY)
        self._out_for_delivery(attempt=self.attempts + 1)

    def deliver(self, proof_kind: str, proof: str, expected_code: str) -> None:
        self.check_can_move_to(DELIVERED)
        if proof_kind not in PROOF_KINDS:
            raise InvalidInput(f"proof must be one of {', '.join(PROOF_KINDS)}", field="proofKind")
        if self.delivery_code_required:
            if proof_kind != "code":
                raise DeliveryCodeMismatch(
                    f"order {self.number} needs the customer's delivery code as proof",
                    field="proofKind", order=self.number,
                )
            if not hmac.compare_digest(proof.strip(), expected_code):
                raise DeliveryCodeMismatch(
                    f"the delivery code for order {self.number} does not match",
                    field="proof", order=self.number,
                )
            proof = "code verified"
        elif not proof.strip():
            raise InvalidInput("proof of delivery is needed", field="proof")
        self._delivered(proof_kind=proof_kind, proof=proof)

    def fail_delivery(self, reason: str) -> None:
        self.check_can_move_to(DELIVERY_FAILED)
        if not reason.strip():
            raise InvalidInput("a failed delivery needs a reason", field="reason")
        self._delivery_failed(reason=reason)

    def return_to_warehouse(self, reason: str) -> None:
        self.check_can_move_to(RETURNED)
        self._returned(reason=reason)

    @event("OrderCancelled")
    def _cancelled(self, reason: str) -> None:
        self.status = CANCELLED

    @event("OrderPicked")
    def _picked(self, picker: str) -> None:
        self.status = PICKED

    @event("OrderPacked")
    def _packed(self, packer: str) -> None:
        self.status = PACKED

    @event("OrderHandedToCourier")
    def _handed_to_courier(self, courier_id: str) -> None:
        self.status = HANDED_TO_COURIER
        self.courier_id = courier_id

    @event("OrderAssigned")
    def _assigned(self, courier_id: str, plan: str) -> None:
        self.assigned_courier = courier_id
        self.assigned_plan = plan

    @event("OrderUnassigned")
    def _unassigned(self, plan: str, reason: str) -> None:
        self.assigned_courier = None
        self.assigned_plan = None

    @event("OrderOutForDelivery")
    def _out_for_delivery(self, attempt: int) -> None:
        self.status = OUT_FOR_DELIVERY
        self.attempts = attempt

    @event("OrderDelivered")
    def _delivered(self, proof_kind: str, proof: str) -> None:
        self.status = DELIVERED

    @event("DeliveryFailed")
    def _delivery_failed(self, reason: str) -> None:
        self.status = DELIVERY_FAILED

    @event("OrderReturnedToWarehouse")
    def _returned(self, reason: str) -> None:
        self.status = RETURNED
