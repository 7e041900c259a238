"""Moving each stock item's reorder threshold to its forecast reorder point, so the warning comes in time.

The low-stock warning (`LowStockDetected`, and the replenishment request the policy makes of it)
fires when available stock falls to the item's threshold. A fixed threshold warns a fast seller
too late and a slow one too early; the reorder point (expected demand over the supplier's lead
time plus safety stock, `solver/reorder.py`) is the level at which there is still just enough
stock, at the service level, to last until a replenishment arrives. So the review sets each
threshold to its reorder point through the ordinary `set_reorder_threshold` command, and the
existing warning and replenishment flow then fires with lead-time days of cover left. It runs
periodically in the worker and on demand (`reviewReorderPoints`); each change carries an
idempotency key of the item, day and new threshold, so two processes reviewing at once change
an item once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.background import PeriodicTask
from domain.app import Peisong
from domain.audit import acting_as, policy_actor
from projections.database import ReadDatabase
from projections.forecasts import business_today, stock_forecasts, warehouses_with_stock


MIN_HISTORY_DAYS = 7  # fewer whole days of demand say too little to move a threshold on
REVIEWER = "reorder-review"


@dataclass(frozen=True)
class ThresholdChange:
    warehouse: str
    sku: str
    previous: int
    threshold: int
    reorder_point: float
    daily_demand: float

    def idempotency_key(self, day: str) -> str:
        return f"{REVIEWER}:{self.warehouse}:{self.sku}:{day}:{self.threshold}"


@dataclass(frozen=True)
class Review:
    reviewed: int
    changes: list[ThresholdChange]


def threshold_changes(db: ReadDatabase, now: datetime, warehouse: str | None = None) -> Review:
    """The items (of one warehouse, or all) whose threshold is not their forecast reorder point."""
    reviewed, changes = 0, []
    for code in [warehouse] if warehouse is not None else warehouses_with_stock(db):
        for forecast in stock_forecasts(db, now, code):
            reviewed += 1
            if forecast.history_days < MIN_HISTORY_DAYS or forecast.forecast_threshold == forecast.threshold:
                continue
            changes.append(ThresholdChange(
                code, forecast.sku, forecast.threshold, forecast.forecast_threshold, forecast.reorder_point,
                forecast.daily_demand,
            ))
    return Review(reviewed, changes)


def review_day(application: Peisong, db: ReadDatabase) -> str:
    return business_today(application.clock.now(), db.settings.business_timezone).isoformat()


class ReorderReview(PeriodicTask):
    """The worker's periodic review; `period` 0 leaves thresholds alone."""

    thread_name = "peisong-reorder-review"

    def __init__(self, application: Peisong, db: ReadDatabase, period: float) -> None:
        super().__init__(period)
        self.application = application
        self.db = db

    def review_now(self) -> Review:
        review = threshold_changes(self.db, self.application.clock.now())
        day = review_day(self.application, self.db)
        with acting_as(policy_actor(REVIEWER)):
            for change in review.changes:
                self.application.set_reorder_threshold(
                    change.warehouse, change.sku, change.threshold, idempotency_key=change.idempotency_key(day),
                )
        return review

    tick = review_now
