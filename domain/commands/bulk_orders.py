"""Placing many orders in one save: the ingestion path for imported or generated order history.

A save costs about the same for one order as for a thousand (one commit, one fsync), so an import
of a year of orders goes through here rather than a year of `place_order` calls. Each order is
checked, allocated and reserved exactly as `place_order` does it, and its events carry the
business time it was placed at, so an imported history reads like one that happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from domain.clock import command_time
from domain.commands.orders import OrderCommands, OrderPlacements, OrderRequest
from domain.errors import DomainError, InvalidInput
from domain.execution import CommandResult

MAX_BATCH = 10_000


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
            batch = OrderPlacements(self)
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
