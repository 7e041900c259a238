"""Warehouses and the network that lists them (for choosing where an order ships from)."""

from __future__ import annotations

from datetime import time
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id


class Warehouse(PeisongAggregate):
    @staticmethod
    def create_id(code: str) -> UUID:
        return natural_id("warehouse", code)

    @event("WarehouseRegistered")
    def __init__(
        self,
        code: str,
        name: str,
        lat: float,
        lon: float,
        opens: str,
        closes: str,
        stock_take_interval_days: int,
        purchasing_contact: str,
    ) -> None:
        self.code = code
        self.name = name
        self.lat = lat
        self.lon = lon
        self.opens = opens
        self.closes = closes
        self.stock_take_interval_days = stock_take_interval_days
        self.purchasing_contact = purchasing_contact

    @event("OpeningHoursChanged")
    def change_opening_hours(self, opens: str, closes: str) -> None:
        self.opens = opens
        self.closes = closes

    @event("StockTakeScheduleSet")
    def set_stock_take_interval(self, stock_take_interval_days: int) -> None:
        self.stock_take_interval_days = stock_take_interval_days

    @property
    def opening_hours(self) -> tuple[time, time]:
        return time.fromisoformat(self.opens), time.fromisoformat(self.closes)


class WarehouseNetwork(PeisongAggregate):
    """The one list of warehouses, so an order can look for the nearest that can fill it."""

    @staticmethod
    def create_id() -> UUID:
        return natural_id("warehouse-network", "shop")

    @event("WarehouseNetworkOpened")
    def __init__(self) -> None:
        self.sites: dict[str, tuple[float, float]] = {}

    @event("WarehouseJoinedNetwork")
    def add(self, code: str, lat: float, lon: float) -> None:
        self.sites[code] = (lat, lon)
