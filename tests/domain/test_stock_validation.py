"""Stock input checks: each refusal names the field and books nothing.

These refuse before anything is saved, so they run on SQLite only (the settings fixture
below overrides the store-parametrised one); test_stock covers the store-dependent rules.
"""

from __future__ import annotations

import pytest

from domain.app import Peisong
from domain.errors import InvalidInput, NotFound, OutOfStock
from domain.settings import Settings
from tests.domain.conftest import stock_of


@pytest.fixture
def settings(sqlite_settings: Settings) -> Settings:
    return sqlite_settings


def test_a_receipt_of_an_unknown_product_is_refused(shop: Peisong) -> None:
    head = shop.head_position()
    with pytest.raises(NotFound) as refused:
        shop.receive_stock("WH-EAST", "CAVIAR-1KG", 5)
    assert refused.value.field == "sku"
    assert shop.head_position() == head


@pytest.mark.parametrize("quantity", [0, -3, True, 2.5])
def test_a_receipt_quantity_must_be_a_whole_number_above_zero(shop: Peisong, quantity: object) -> None:
    head = shop.head_position()
    with pytest.raises(InvalidInput) as refused:
        shop.receive_stock_batch([("WH-EAST", "RICE-5KG", 5), ("WH-EAST", "MILK-1L", quantity)])  # type: ignore[list-item]
    assert refused.value.field == "lines.1.quantity"
    assert shop.head_position() == head


def test_an_empty_receipt_is_refused(shop: Peisong) -> None:
    with pytest.raises(InvalidInput) as refused:
        shop.receive_stock_batch([])
    assert refused.value.field == "lines"


def test_a_count_cannot_be_negative(shop: Peisong) -> None:
    head = shop.head_position()
    with pytest.raises(InvalidInput) as refused:
        shop.count_stock("WH-EAST", "RICE-5KG", -1)
    assert refused.value.field == "counted"
    assert shop.head_position() == head


@pytest.mark.parametrize(("delta", "reason", "error", "field"), [
    (0, "nothing", InvalidInput, "delta"),
    (-1, "   ", InvalidInput, "reason"),
    (-51, "lost", OutOfStock, "delta"),
    (-1, "x" * 201, InvalidInput, "reason"),
])
def test_an_adjustment_that_breaks_a_rule_is_refused(
    shop: Peisong, delta: int, reason: str, error: type[Exception], field: str
) -> None:
    head = shop.head_position()
    with pytest.raises(error) as refused:
        shop.adjust_stock("WH-EAST", "RICE-5KG", delta, reason)
    assert refused.value.field == field  # type: ignore[attr-defined]
    assert shop.head_position() == head
    assert stock_of(shop, "WH-EAST", "RICE-5KG").on_hand == 50


def test_adjusting_stock_never_received_is_refused(shop: Peisong) -> None:
    with pytest.raises(NotFound):
        shop.adjust_stock("WH-EAST", "PAN-28", 1, "found one")


def test_a_negative_threshold_is_refused(shop: Peisong) -> None:
    with pytest.raises(InvalidInput) as refused:
        shop.set_reorder_threshold("WH-WEST", "PAN-28", -1)
    assert refused.value.field == "threshold"
