"""GraphQL views of customers, and the inputs that change them."""

from __future__ import annotations

from typing import Any

import strawberry

from api.recorded import Recorded
from api.views import thin
from projections.views import CustomerView


@strawberry.type
class CustomerAddress:
    label: str
    text: str
    lat: float
    lon: float

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "CustomerAddress":
        return cls(
            label=str(record.get("label", "")), text=str(record.get("text", "")),
            lat=float(record["lat"]), lon=float(record["lon"]),  # type: ignore[arg-type]
        )


@strawberry.type
class Customer:
    reference: str
    name: str
    phone: str
    language: str
    channels: list[str] = strawberry.field(description="How the customer wants to be told: sms, wechat, webhook.")
    opted_out: list[str]
    addresses: list[CustomerAddress]

    @classmethod
    def from_view(cls, view: CustomerView) -> "Customer":
        return thin(
            cls, view, channels=list(view.channels), opted_out=list(view.opted_out),
            addresses=[CustomerAddress.from_record(a) for a in view.addresses],
        )


@strawberry.input
class AddressInput:
    lat: float
    lon: float
    text: str = ""
    label: str = "home"

    def as_record(self) -> dict[str, object]:
        return {"lat": self.lat, "lon": self.lon, "text": self.text, "label": self.label}


@strawberry.input
class RegisterCustomerInput:
    reference: str
    name: str
    phone: str
    addresses: list[AddressInput] = strawberry.field(default_factory=list)
    language: str = "zh-CN"
    channels: list[str] = strawberry.field(default_factory=lambda: ["sms"])


@strawberry.input
class AddCustomerAddressInput:
    reference: str
    address: AddressInput


@strawberry.input
class ChangeCustomerContactInput:
    reference: str
    phone: str
    language: str
    channels: list[str]


@strawberry.input
class SetCustomerOptOutInput:
    reference: str
    channel: str
    opted_out: bool


@strawberry.type
class CustomerPayload(Recorded):
    reference: str
