"""The Peisong application: the one write path, assembled from the per-area command modules."""

from __future__ import annotations

import threading
from typing import Any, Callable

from domain.clock import Clock, SystemClock
from domain.commands.access import AccessCommands
from domain.commands.aftersales import AfterSalesCommands
from domain.commands.bulk_orders import BulkOrderCommands
from domain.commands.catalogue import CatalogueCommands
from domain.commands.couriers import CourierCommands
from domain.commands.cases import CaseCommands
from domain.commands.customers import CustomerCommands
from domain.commands.delays import DelayCommands
from domain.commands.locations import LocationCommands
from domain.commands.notifications import NotificationCommands
from domain.commands.orders import OrderCommands
from domain.commands.routing import RoutingCommands
from domain.commands.situations import SituationCommands
from domain.commands.staffing import StaffingCommands
from domain.commands.vehicles import VehicleCommands
from domain.commands.webhooks import WebhookCommands
from domain.commands.zones import ZoneCommands
from domain.settings import Settings
from domain.store import event_store_env


class Peisong(RoutingCommands, BulkOrderCommands, OrderCommands, CustomerCommands, CatalogueCommands,
              CourierCommands, VehicleCommands, ZoneCommands, LocationCommands, WebhookCommands, AccessCommands,
              StaffingCommands, AfterSalesCommands, CaseCommands, NotificationCommands, DelayCommands,
              SituationCommands):
    name = "Peisong"

    def __init__(self, settings: Settings, clock: Clock | None = None, **env: str) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.on_saved: list[Callable[[int], None]] = []
        self._command_lock = threading.RLock()
        super().__init__(env={
            "AGGREGATE_CACHE_MAXSIZE": "20000",
            **event_store_env(settings),
            **env,
        })

    def decode(self, notification: Any) -> Any:
        """A stored notification back into its domain event (for projections and feeds)."""
        return self.mapper.to_domain_event(notification)
