"""Commands on warehouses and the catalogue."""

from __future__ import annotations

from decimal import Decimal

from domain import validation as v
from domain.catalogue import Product
from domain.errors import AlreadyExists
from domain.execution import CommandResult, CommandRunner
from domain.warehouses import Warehouse, WarehouseNetwork


class CatalogueCommands(CommandRunner):
    def register_warehouse(
        self,
        code: str,
        name: str,
        lat: float,
        lon: float,
        opens: str = "08:00",
        closes: str = "22:00",
        stock_take_interval_days: int | None = None,
        purchasing_contact: str = "",
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            code_ = v.text(code, "code", max_length=40)
            lat_, lon_ = v.coordinates(lat, lon, "location")
            interval = v.positive_int(
                stock_take_interval_days or self.settings.default_stock_take_days, "stockTakeIntervalDays"
            )
            if self.get_or_none(Warehouse.create_id(code_)) is not None:
                raise AlreadyExists(f"warehouse {code_} already exists", field="code", code=code_)
            warehouse = Warehouse(
                code=code_, name=v.text(name, "name"), lat=lat_, lon=lon_,
                opens=v.clock_time(opens, "opens"), closes=v.clock_time(closes, "closes"),
                stock_take_interval_days=interval,
                purchasing_contact=v.text(purchasing_contact, "purchasingContact", required=False),
            )
            network = self.get_or_none(WarehouseNetwork.create_id()) or WarehouseNetwork()
            network.add(code=code_, lat=lat_, lon=lon_)
            return [warehouse, network], {"code": code_, "id": str(warehouse.id)}

        return self.run_command("registerWarehouse", body, idempotency_key)

    def change_opening_hours(
        self, warehouse: str, opens: str, closes: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """Local times; `closes` at or before `opens` runs past midnight, and 00:00 to 00:00 is round the clock."""

        def body():  # type: ignore[no-untyped-def]
            site = self.get_existing(Warehouse.create_id(warehouse), f"warehouse {warehouse}", "warehouse")
            site.change_opening_hours(v.clock_time(opens, "opens"), v.clock_time(closes, "closes"))
            return [site], {"code": site.code, "opens": site.opens, "closes": site.closes}

        return self.run_command("changeOpeningHours", body, idempotency_key)

    def set_stock_take_interval(self, warehouse: str, days: int, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            site = self.get_existing(Warehouse.create_id(warehouse), f"warehouse {warehouse}", "warehouse")
            site.set_stock_take_interval(v.positive_int(days, "days"))
            return [site], {"code": warehouse}

        return self.run_command("setStockTakeInterval", body, idempotency_key)

    def add_product(
        self,
        sku: str,
        name: str,
        weight_kg: Decimal | float | str,
        volume_l: Decimal | float | str,
        price: Decimal | float | str,
        category: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            sku_ = v.text(sku, "sku", max_length=64)
            if self.get_or_none(Product.create_id(sku_)) is not None:
                raise AlreadyExists(f"product {sku_} already exists", field="sku", sku=sku_)
            product = Product(
                sku=sku_, name=v.text(name, "name"),
                weight_kg=v.positive_decimal(weight_kg, "weightKg"),
                volume_l=v.positive_decimal(volume_l, "volumeL"),
                price=v.positive_decimal(price, "price", places="0.01"),
                category=v.text(category, "category", max_length=60),
            )
            return [product], {"sku": sku_, "id": str(product.id)}

        return self.run_command("addProduct", body, idempotency_key)

    def update_product(
        self,
        sku: str,
        name: str,
        weight_kg: Decimal | float | str,
        volume_l: Decimal | float | str,
        price: Decimal | float | str,
        category: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            product = self.get_existing(Product.create_id(sku), f"product {sku}", "sku")
            product.update(
                name=v.text(name, "name"),
                weight_kg=v.positive_decimal(weight_kg, "weightKg"),
                volume_l=v.positive_decimal(volume_l, "volumeL"),
                price=v.positive_decimal(price, "price", places="0.01"),
                category=v.text(category, "category", max_length=60),
            )
            return [product], {"sku": sku}

        return self.run_command("updateProduct", body, idempotency_key)

    def discontinue_product(self, sku: str, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            product = self.get_existing(Product.create_id(sku), f"product {sku}", "sku")
            product.discontinue()
            return [product], {"sku": sku}

        return self.run_command("discontinueProduct", body, idempotency_key)
