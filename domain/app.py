"""The Peisong application: the one write path, assembled from the per-area command modules."""

from __future__ import annotations

import threading
from typing import Any, Callable

from domain.clock import Clock, SystemClock
from domain.commands.catalogue import CatalogueCommands
from domain.commands.customers import CustomerCommands
from domain.commands.orders import OrderCommands
from domain.settings import Settings
from domain.store import event_store_env


class Peisong(OrderCommands, CustomerCommands, CatalogueCommands):
    name = "Peisong"

    def __init__(self, settings: Settings, clock: Clock | None = None, **env: str) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.on_saved: list[Callable[[int], None]] = []
        self._command_lock = threading.RLock()
        super().__init__(env={
            "AGGREGATE_CACHE_MAXSIZE": "20000",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
            **event_store_env(settings),
            **env,
        })

    def decode(self, notification: Any) -> Any:
        """A stored notification back into its domain event (for projections and feeds)."""
        return self.mapper.to_domain_event(notification)
