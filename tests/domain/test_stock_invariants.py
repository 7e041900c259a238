"""Random interleavings of stock and order commands never break the stock rules (see shop_model)."""

from __future__ import annotations

from hypothesis import settings

from tests.domain.shop_model import ShopMachine, stock_rules


@stock_rules
class StockMachine(ShopMachine):
    """Receipts, counts and adjustments race with orders reserving, shipping and returning goods."""


TestStockInvariants = StockMachine.TestCase
TestStockInvariants.settings = settings(TestStockInvariants.settings, stateful_step_count=40)
