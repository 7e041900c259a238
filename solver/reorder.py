"""When to reorder a SKU in a warehouse and how much: expected demand over the lead time, safety stock and lot size.

The policy is continuous review with a reorder point (an ``(s, Q)`` policy):

* **Demand** is the mean ``d`` and standard deviation ``sigma_d`` of the daily demand over the last
  ``window_days`` days of history (recent days describe the next weeks better than last season does).
* **Lead-time demand**, for a lead time of ``L`` days (standard deviation ``sigma_L``, 0 for a supplier that
  is always on time), has mean ``d * L`` and standard deviation ``sqrt(L * sigma_d**2 + d**2 * sigma_L**2)``
  (days independent; the second term is the demand of the days a late delivery adds).
* **Safety stock** is ``z * that standard deviation`` with ``z = norm.ppf(service_level)``: the stock that
  keeps the chance of running out before a replenishment arrives at ``1 - service_level`` (cycle service
  level, demand over the lead time taken as normal).
* **Reorder point** ``s = d * L + safety stock``: order when the inventory position (on hand plus on order)
  is at or below it.
* **Order quantity**: with an ordering cost ``S`` per order and a holding cost ``H`` per unit and year, the
  economic order quantity ``sqrt(2 * D * S / H)`` for the annual demand ``D = 365 * d`` (the lot that
  balances ordering and holding costs); without them, enough to **cover** ``cover_days`` days of demand
  after the lead time: order up to ``d * (L + cover_days) + safety stock``. Either way the quantity is at least
  what brings the position back up to the reorder point, rounded up to whole units, and nothing is ordered
  while the position is above the reorder point (nor for a SKU that no longer sells).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class ReorderPolicy:
    """How a warehouse replenishes: supplier lead time, target cycle service level and the lot-size rule
    (EOQ when both costs are given, else cover for ``cover_days``)."""

    lead_time_days: float = 3.0
    lead_time_std_days: float = 0.0
    service_level: float = 0.95
    window_days: int = 28
    ordering_cost: float | None = None
    holding_cost_per_unit_year: float | None = None
    cover_days: float = 14.0

    def __post_init__(self) -> None:
        if not 0.5 <= self.service_level < 1:
            raise ValueError(f"service level must be in [0.5, 1), got {self.service_level}")
        if self.lead_time_days < 0 or self.lead_time_std_days < 0 or self.cover_days < 0:
            raise ValueError("lead time, its spread and the cover must not be negative")
        if self.window_days < 1:
            raise ValueError("the demand window needs at least one day")
        if (self.ordering_cost is None) != (self.holding_cost_per_unit_year is None):
            raise ValueError("the economic order quantity needs both the ordering and the holding cost")
        if self.holding_cost_per_unit_year is not None and self.holding_cost_per_unit_year <= 0:
            raise ValueError("the holding cost must be positive")

    @property
    def uses_eoq(self) -> bool:
        return self.ordering_cost is not None


@dataclass(frozen=True)
class ReorderAdvice:
    """The advice for one SKU in one warehouse; ``order_quantity`` is what to order now (0: not yet)."""

    sku: str
    warehouse: str
    daily_demand: float
    daily_demand_std: float
    lead_time_demand: float
    lead_time_demand_std: float
    days_of_cover: float
    safety_stock: float
    reorder_point: float
    order_quantity: int
    reorder_now: bool
    policy: str


def advise_reorder(
    sku: str,
    warehouse: str,
    daily_demand: Sequence[float],
    on_hand: float,
    on_order: float = 0.0,
    policy: ReorderPolicy = ReorderPolicy(),
) -> ReorderAdvice:
    """Advise on one SKU in one warehouse from its daily demand history (oldest first) and its stock;
    ``days_of_cover`` is how long the stock on hand lasts at the mean demand (infinite without demand)."""
    history = np.asarray(daily_demand, dtype=float)
    if history.size == 0:
        raise ValueError(f"no demand history for {sku} in {warehouse}")
    if (history < 0).any():
        raise ValueError(f"demand of {sku} in {warehouse} must not be negative")
    recent = history[-policy.window_days :]
    mean = float(recent.mean())
    std = float(recent.std(ddof=1)) if recent.size >= 2 else 0.0
    lead = policy.lead_time_days
    lead_mean = mean * lead
    lead_std = math.sqrt(lead * std**2 + mean**2 * policy.lead_time_std_days**2)
    safety = float(norm.ppf(policy.service_level)) * lead_std
    reorder_point = lead_mean + safety
    position = on_hand + on_order
    if policy.uses_eoq:
        annual = 365.0 * mean
        lot = math.sqrt(2 * annual * policy.ordering_cost / policy.holding_cost_per_unit_year)
        rule = "eoq"
    else:
        lot = mean * (lead + policy.cover_days) + safety - position
        rule = f"cover {policy.cover_days:g} days"
    reorder_now = mean > 0 and position <= reorder_point
    quantity = math.ceil(max(lot, reorder_point - position) - 1e-9) if reorder_now else 0
    cover = on_hand / mean if mean > 0 else math.inf
    return ReorderAdvice(
        sku,
        warehouse,
        mean,
        std,
        lead_mean,
        lead_std,
        cover,
        safety,
        reorder_point,
        max(quantity, 0),
        reorder_now,
        rule,
    )
