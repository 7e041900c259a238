"""Commands on complaints, feedback and enquiries, delivery ratings, and the periodic SLA check."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from domain import validation as v
from domain.aftersales import AfterSalesRequest, delivered_at
from domain.cases import CaseClocks, CustomerCase
from domain.customers import Customer
from domain.errors import AlreadyExists, InvalidInput, NotFound, PreconditionFailed
from domain.execution import CommandResult, CommandRunner
from domain.orders import Order
from domain.ratings import DeliveryRating, check_stars
from domain.slas import AFTERSALES, CASE, SlaWatch


def new_case_number() -> str:
    return "CASE-" + secrets.token_hex(4).upper()


def money(value: object, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field} must be an amount of money", field=field) from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(f"{field} cannot be negative", field=field)
    return amount


class CaseCommands(CommandRunner):
    def open_case(
        self,
        customer: str,
        kind: str,
        channel: str,
        category: str,
        description: str,
        order: str | None = None,
        number: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Open a case; a complaint about an order names the order's courier and zone, so KPIs and the analysis
        can count it against them."""

        def body():  # type: ignore[no-untyped-def]
            reference = v.text(customer, "customer", max_length=64)
            if self.get_or_none(Customer.create_id(reference)) is None:
                raise NotFound(f"customer {reference} not found", field="customer", customer=reference)
            case_number = v.text(number, "number", max_length=64) if number is not None else new_case_number()
            if self.get_or_none(CustomerCase.create_id(case_number)) is not None:
                raise AlreadyExists(f"case {case_number} already exists", field="number", number=case_number)
            about = self.customers_order(order, reference) if order is not None else None
            case = CustomerCase.open(
                number=case_number, customer=reference, kind=kind, channel=channel, category=category,
                description=v.text(description, "description", max_length=v.MAX_LONG_TEXT),
                order=about.number if about else None, courier=about.courier_id if about else None,
                zone=about.zone if about else None, clocks=self.case_clocks(), now=self.clock.now(),
            )
            return [case, self.watch_case(case)], self._case_result(case)

        return self.run_command("openCase", body, idempotency_key)

    def acknowledge_case(self, number: str, by: str = "", idempotency_key: str | None = None) -> CommandResult:
        return self._case_step(number, "acknowledgeCase", lambda c: c.acknowledge(agent(by)), idempotency_key)

    def propose_case_solution(
        self, number: str, solution: str, by: str = "", idempotency_key: str | None = None
    ) -> CommandResult:
        return self._case_step(
            number, "proposeCaseSolution",
            lambda c: c.propose_solution(v.text(solution, "solution", max_length=v.MAX_LONG_TEXT), agent(by)),
            idempotency_key,
        )

    def resolve_case(
        self, number: str, resolution: str, compensation: Any = "0", root_cause: str = "other", by: str = "",
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._case_step(
            number, "resolveCase",
            lambda c: c.resolve(v.text(resolution, "resolution", max_length=v.MAX_LONG_TEXT),
                                money(compensation, "compensation"), root_cause, agent(by)),
            idempotency_key,
        )

    def reopen_case(self, number: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        return self._case_step(
            number, "reopenCase",
            lambda c: c.reopen(v.text(reason, "reason", max_length=v.MAX_LONG_TEXT), self.case_clocks(),
                               self.clock.now()),
            idempotency_key,
        )

    def close_case(
        self, number: str, satisfaction: int, notes: str = "", by: str = "", idempotency_key: str | None = None
    ) -> CommandResult:
        return self._case_step(
            number, "closeCase",
            lambda c: c.close(satisfaction, v.text(notes, "notes", required=False, max_length=v.MAX_LONG_TEXT),
                              agent(by)),
            idempotency_key,
        )

    def rate_delivery(
        self, order: str, stars: int, comment: str = "", customer: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """The customer rates a delivered order once, within the rating window; it counts for its courier."""

        def body():  # type: ignore[no-untyped-def]
            delivered = self.existing_order_of(order)
            if customer is not None and delivered.customer_id != customer:
                raise NotFound(f"order {order} not found", field="order", order=order)
            at = delivered_at(delivered)
            if at is None or delivered.courier_id is None:
                raise PreconditionFailed(f"order {order} is {delivered.status}; only a delivery can be rated",
                                         field="order", order=order, status=delivered.status)
            days = self.settings.rating_window_days
            if (self.clock.now() - at).days >= days:
                raise PreconditionFailed(f"a delivery can be rated within {days} days", field="order", order=order)
            if self.get_or_none(DeliveryRating.create_id(delivered.number)) is not None:
                raise AlreadyExists(f"order {order} is already rated", field="order", order=order)
            rating = DeliveryRating(
                order=delivered.number, courier=delivered.courier_id, customer=delivered.customer_id,
                stars=check_stars(stars), comment=v.text(comment, "comment", required=False,
                                                          max_length=v.MAX_LONG_TEXT),
                delivered_at=at, zone=delivered.zone,
            )
            return [rating], {"order": delivered.number, "courier": delivered.courier_id, "stars": stars}

        return self.run_command("rateDelivery", body, idempotency_key)

    def check_case_slas(self, idempotency_key: str | None = None) -> CommandResult:
        """Escalate every case and after-sales request whose promise the clock now finds broken.

        A missed deadline leaves no event behind to react to, so a worker calls this periodically;
        each broken promise is escalated once, however often the check runs.
        """

        def body():  # type: ignore[no-untyped-def]
            now = self.clock.now()
            watch = self.sla_watch()
            changed: list[Any] = []
            escalated: list[dict[str, Any]] = []
            for kind, number in watch.due_by(now):
                item = self.get_or_none(
                    CustomerCase.create_id(number) if kind == CASE else AfterSalesRequest.create_id(number))
                if item is None:
                    watch.track(kind, number, None)
                    continue
                slas = item.escalate(now)
                escalated.extend({"kind": kind, "number": number, "sla": sla} for sla in slas)
                watch.track(kind, number, item.next_deadline())
                if slas:
                    changed.append(item)
            return [*changed, watch], {"escalated": escalated}

        return self.run_command("checkCaseSlas", body, idempotency_key)

    # -- helpers ---------------------------------------------------------------------------------

    def case_clocks(self) -> CaseClocks:
        return CaseClocks(self.settings.case_solution_hours, self.settings.case_resolution_hours)

    def sla_watch(self) -> SlaWatch:
        return self.get_or_none(SlaWatch.create_id()) or SlaWatch()

    def watch_case(self, case: CustomerCase) -> SlaWatch:
        watch = self.sla_watch()
        watch.track(CASE, case.number, case.next_deadline())
        return watch

    def watch_request(self, request: AfterSalesRequest) -> SlaWatch:
        watch = self.sla_watch()
        watch.track(AFTERSALES, request.number, request.next_deadline())
        return watch

    def existing_case(self, number: str) -> CustomerCase:
        return self.get_existing(CustomerCase.create_id(number), f"case {number}", "number")

    def existing_order_of(self, number: str) -> Order:
        order = self.get_or_none(Order.create_id(number))
        if order is None:
            raise NotFound(f"order {number} not found", field="order", order=number)
        return order

    def customers_order(self, number: str, customer: str) -> Order:
        """The customer's own order; anyone else's reads as missing."""
        order = self.existing_order_of(v.text(number, "order", max_length=64))
        if order.customer_id != customer:
            raise NotFound(f"order {number} not found", field="order", order=number)
        return order

    def _case_step(self, number: str, name: str, step: Any, idempotency_key: str | None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            case = self.existing_case(number)
            step(case)
            return [case, self.watch_case(case)], self._case_result(case)

        return self.run_command(name, body, idempotency_key)

    @staticmethod
    def _case_result(case: CustomerCase) -> dict[str, Any]:
        return {"number": case.number, "id": str(case.id), "status": case.status}


def agent(by: str) -> str:
    """Who on the staff did it, when they say (the audit metadata names the token, not the person)."""
    return v.text(by, "by", required=False, max_length=120)
