"""advise_reorder: safety stock, reorder point and order quantity, checked against hand-computed figures."""

from __future__ import annotations

import math

import pytest

from solver.reorder import ReorderPolicy, advise_reorder

Z95 = 1.6448536269514722  # norm.ppf(0.95)


def test_steady_demand_needs_no_safety_stock_and_orders_up_to_the_cover() -> None:
    advice = advise_reorder("GRO-001", "WH-PUDONG", [10] * 30, on_hand=20, policy=ReorderPolicy(lead_time_days=3))
    assert advice.daily_demand == 10 and advice.safety_stock == 0
    assert advice.reorder_point == 30 and advice.days_of_cover == 2
    # order up to 10 * (3 + 14) = 170 from a position of 20
    assert advice.reorder_now and advice.order_quantity == 150 and advice.policy == "cover 14 days"


def test_variable_demand_adds_safety_stock_for_the_service_level() -> None:
    demand = [8, 12] * 14  # mean 10, sample standard deviation 2.0367
    advice = advise_reorder("FRE-002", "WH-PUTUO", demand, on_hand=100, policy=ReorderPolicy(lead_time_days=4))
    sigma = math.sqrt(sum((d - 10) ** 2 for d in demand) / 27)
    assert advice.daily_demand_std == pytest.approx(sigma)
    assert advice.lead_time_demand == 40 and advice.lead_time_demand_std == pytest.approx(2 * sigma)
    assert advice.safety_stock == pytest.approx(Z95 * 2 * sigma)
    assert advice.reorder_point == pytest.approx(40 + Z95 * 2 * sigma)
    assert advice.days_of_cover == 10
    assert not advice.reorder_now and advice.order_quantity == 0


def test_an_unreliable_supplier_needs_more_safety_stock() -> None:
    policy = ReorderPolicy(lead_time_days=4, lead_time_std_days=1, service_level=0.99)
    advice = advise_reorder("DRK-001", "WH-PUDONG", [20] * 28, on_hand=10, policy=policy)
    # sqrt(4 * 0 + 20^2 * 1^2) = 20 units of lead-time demand uncertainty
    assert advice.lead_time_demand_std == pytest.approx(20)
    assert advice.safety_stock == pytest.approx(2.3263478740408408 * 20)


def test_with_ordering_and_holding_costs_the_economic_order_quantity_is_ordered() -> None:
    policy = ReorderPolicy(lead_time_days=2, ordering_cost=50, holding_cost_per_unit_year=2)
    advice = advise_reorder("HOM-004", "WH-MINHANG", [10] * 28, on_hand=5, on_order=10, policy=policy)
    # EOQ = sqrt(2 * 3650 * 50 / 2) = 427.2 -> 428
    assert advice.policy == "eoq" and advice.order_quantity == 428


def test_a_lot_smaller_than_the_hole_is_raised_to_reach_the_reorder_point() -> None:
    policy = ReorderPolicy(lead_time_days=10, ordering_cost=1, holding_cost_per_unit_year=100)
    advice = advise_reorder("BAB-001", "WH-BAOSHAN", [10] * 28, on_hand=0, policy=policy)
    # EOQ = sqrt(2 * 3650 / 100) = 8.5, but the reorder point is 100 units away
    assert advice.order_quantity == 100


def test_only_the_recent_window_counts_and_stock_on_order_counts_towards_the_position() -> None:
    demand = [100] * 60 + [5] * 28
    advice = advise_reorder(
        "SNK-003", "WH-PUTUO", demand, on_hand=10, on_order=50, policy=ReorderPolicy(lead_time_days=3)
    )
    assert advice.daily_demand == 5 and not advice.reorder_now


def test_a_sku_that_no_longer_sells_is_never_reordered_and_lasts_for_ever() -> None:
    advice = advise_reorder("ELE-005", "WH-PUDONG", [0] * 28, on_hand=0)
    assert advice.order_quantity == 0 and advice.days_of_cover == math.inf and not advice.reorder_now


def test_inconsistent_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        ReorderPolicy(ordering_cost=10)
    with pytest.raises(ValueError):
        ReorderPolicy(service_level=1.0)
    with pytest.raises(ValueError):
        advise_reorder("X", "W", [], on_hand=1)
