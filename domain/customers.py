"""Customers: who they are, where they live, how and in which language to reach them."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id

LANGUAGES = ("zh-CN", "en")
CHANNELS = ("sms", "wechat", "webhook")


class Customer(PeisongAggregate):
    @staticmethod
    def create_id(reference: str) -> UUID:
        return natural_id("customer", reference)

    @event("CustomerRegistered")
    def __init__(
        self,
        reference: str,
        name: str,
        phone: str,
        addresses: tuple[dict[str, object], ...],
        language: str,
        channels: tuple[str, ...],
    ) -> None:
        self.reference = reference
        self.name = name
        self.phone = phone
        self.addresses = list(addresses)
        self.language = language
        self.channels = list(channels)
        self.opted_out: list[str] = []

    @event("CustomerAddressAdded")
    def add_address(self, address: dict[str, object]) -> None:
        self.addresses.append(address)

    @event("CustomerContactChanged")
    def change_contact(self, phone: str, language: str, channels: tuple[str, ...]) -> None:
        self.phone = phone
        self.language = language
        self.channels = list(channels)

    @event("CustomerOptedOut")
    def opt_out(self, channel: str) -> None:
        if channel not in self.opted_out:
            self.opted_out.append(channel)

    @event("CustomerOptedIn")
    def opt_in(self, channel: str) -> None:
        if channel in self.opted_out:
            self.opted_out.remove(channel)
