"""Commands on customers."""

from __future__ import annotations

from typing import Any, Sequence

from domain import validation as v
from domain.customers import CHANNELS, LANGUAGES, Customer
from domain.errors import AlreadyExists, InvalidInput
from domain.execution import CommandResult, CommandRunner


def clean_address(address: dict[str, Any], field: str) -> dict[str, object]:
    lat, lon = v.coordinates(address.get("lat"), address.get("lon"), field)  # type: ignore[arg-type]
    return {
        "label": v.text(str(address.get("label") or "home"), f"{field}.label", max_length=40),
        "text": v.text(str(address.get("text") or ""), f"{field}.text", max_length=v.MAX_LONG_TEXT, required=False),
        "lat": lat,
        "lon": lon,
    }


def clean_channels(channels: Sequence[str]) -> tuple[str, ...]:
    for channel in channels:
        v.one_of(channel, CHANNELS, "channels")
    return tuple(dict.fromkeys(channels))


class CustomerCommands(CommandRunner):
    def register_customer(
        self,
        reference: str,
        name: str,
        phone: str,
        addresses: Sequence[dict[str, Any]] = (),
        language: str = "zh-CN",
        channels: Sequence[str] = ("sms",),
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            ref = v.text(reference, "reference", max_length=64)
            if self.get_or_none(Customer.create_id(ref)) is not None:
                raise AlreadyExists(f"customer {ref} already exists", field="reference", reference=ref)
            customer = Customer(
                reference=ref, name=v.text(name, "name"), phone=clean_phone(phone),
                addresses=tuple(clean_address(a, f"addresses.{i}") for i, a in enumerate(addresses)),
                language=v.one_of(language, LANGUAGES, "language"),
                channels=clean_channels(channels),
            )
            return [customer], {"reference": ref, "id": str(customer.id)}

        return self.run_command("registerCustomer", body, idempotency_key)

    def add_customer_address(
        self, reference: str, address: dict[str, Any], idempotency_key: str | None = None
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            customer = self.get_existing(Customer.create_id(reference), f"customer {reference}", "reference")
            customer.add_address(address=clean_address(address, "address"))
            return [customer], {"reference": reference}

        return self.run_command("addCustomerAddress", body, idempotency_key)

    def change_customer_contact(
        self,
        reference: str,
        phone: str,
        language: str,
        channels: Sequence[str],
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            customer = self.get_existing(Customer.create_id(reference), f"customer {reference}", "reference")
            customer.change_contact(
                phone=clean_phone(phone), language=v.one_of(language, LANGUAGES, "language"),
                channels=clean_channels(channels),
            )
            return [customer], {"reference": reference}

        return self.run_command("changeCustomerContact", body, idempotency_key)

    def set_customer_opt_out(
        self, reference: str, channel: str, opted_out: bool, idempotency_key: str | None = None
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            customer = self.get_existing(Customer.create_id(reference), f"customer {reference}", "reference")
            v.one_of(channel, CHANNELS, "channel")
            if opted_out:
                customer.opt_out(channel=channel)
            else:
                customer.opt_in(channel=channel)
            return [customer], {"reference": reference}

        return self.run_command("setCustomerOptOut", body, idempotency_key)


def clean_phone(phone: str) -> str:
    value = v.text(phone, "phone", max_length=32)
    if not all(c.isdigit() or c in "+- " for c in value):
        raise InvalidInput("a phone number holds digits, spaces, '+' and '-' only", field="phone")
    return value
