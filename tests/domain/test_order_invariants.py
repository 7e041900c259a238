"""Random sequences of order moves, legal and not, only ever follow the order life cycle (see shop_model)."""

from __future__ import annotations

from hypothesis import settings

from tests.domain.shop_model import ShopMachine


class OrderMachine(ShopMachine):
    """Orders placed, moved, cancelled, delivered with and without codes, failed and returned."""


TestOrderInvariants = OrderMachine.TestCase
TestOrderInvariants.settings = settings(TestOrderInvariants.settings, stateful_step_count=40)
