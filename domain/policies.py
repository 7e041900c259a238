"""Reactions that follow the log and act through the application's own commands.

Each policy names the event types it follows; its effect carries an idempotency key
derived from the triggering event, so re-running it after a crash cannot double it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from domain.stock import StockItem


@dataclass(frozen=True)
class Policy:
    name: str
    follows: tuple[type, ...]
    react: Callable[[Any, Any], None]  # (application, domain event) -> None


def event_key(policy: str, event: Any) -> str:
    return f"policy:{policy}:{event.originator_id}:{event.originator_version}"


def replenish_low_stock(app: Any, event: StockItem.LowStockDetected) -> None:  # type: ignore[name-defined]
    """Low stock -> a replenishment request to the warehouse's purchasing role.

    The suggested quantity brings available stock back to twice the threshold (at least one unit).
    """
    item = app.repository.get(event.originator_id)
    quantity = max(2 * event.threshold - event.available, 1)
    app.request_replenishment(
        item.warehouse, item.sku, quantity, trigger=f"{event.originator_id}:{event.originator_version}",
        idempotency_key=event_key("replenish-low-stock", event),
    )


POLICIES: tuple[Policy, ...] = (
    Policy("replenish-low-stock", (StockItem.LowStockDetected,), replenish_low_stock),  # type: ignore[attr-defined]
)
