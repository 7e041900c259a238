"""The shop's catalogue: one Product aggregate per SKU."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id


class Product(PeisongAggregate):
    @staticmethod
    def create_id(sku: str) -> UUID:
        return natural_id("product", sku)

    @event("ProductAdded")
    def __init__(
        self,
        sku: str,
        name: str,
        weight_kg: Decimal,
        volume_l: Decimal,
        price: Decimal,
        category: str,
    ) -> None:
        self.sku = sku
        self.name = name
        self.weight_kg = weight_kg
        self.volume_l = volume_l
        self.price = price
        self.category = category
        self.discontinued = False

    @event("ProductUpdated")
    def update(
        self,
        name: str,
        weight_kg: Decimal,
        volume_l: Decimal,
        price: Decimal,
        category: str,
    ) -> None:
        self.name = name
        self.weight_kg = weight_kg
        self.volume_l = volume_l
        self.price = price
        self.category = category

    @event("ProductDiscontinued")
    def discontinue(self) -> None:
        self.discontinued = True
