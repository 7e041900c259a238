"""Customers: who they are, where they live, and how they may be reached."""

from __future__ import annotations

import pytest

from domain.app import Peisong
from domain.customers import Customer
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.settings import Settings

HOME = {"label": "home", "text": "Pudong", "lat": 31.23, "lon": 121.54}


@pytest.fixture
def settings(sqlite_settings: Settings) -> Settings:
    """Pure validation and bookkeeping: SQLite is enough (the store-parametrised runs are elsewhere)."""
    return sqlite_settings


def customer(app: Peisong, reference: str) -> Customer:
    return app.repository.get(Customer.create_id(reference))


def test_a_registered_customer_keeps_contact_language_and_channels(app: Peisong) -> None:
    app.register_customer("C-1", "Li Wei", "+86 138-0000-0001", [HOME], language="en",
                          channels=["wechat", "sms", "wechat"])
    found = customer(app, "C-1")
    assert (found.name, found.phone, found.language) == ("Li Wei", "+86 138-0000-0001", "en")
    assert found.channels == ["wechat", "sms"]
    assert found.addresses == [HOME]
    assert found.opted_out == []


def test_a_customer_reference_is_registered_once(app: Peisong) -> None:
    app.register_customer("C-1", "Li Wei", "138")
    with pytest.raises(AlreadyExists) as refused:
        app.register_customer("C-1", "Somebody else", "139")
    assert refused.value.field == "reference"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"phone": "call me"}, "phone"),
    ({"phone": "1" * 33}, "phone"),
    ({"reference": "R" * 65}, "reference"),
    ({"name": ""}, "name"),
    ({"language": "fr"}, "language"),
    ({"channels": ["pigeon"]}, "channels"),
    ({"addresses": [{"lat": 95, "lon": 121}]}, "addresses.0.lat"),
    ({"addresses": [HOME, {"lat": 31, "lon": 200}]}, "addresses.1.lon"),
])
def test_an_invalid_customer_is_refused_naming_the_field(app: Peisong, kwargs: dict, field: str) -> None:
    values = {"reference": "C-1", "name": "Li Wei", "phone": "138"} | kwargs
    with pytest.raises(InvalidInput) as refused:
        app.register_customer(**values)
    assert refused.value.field == field
    assert app.head_position() == 0


def test_addresses_and_contact_details_change(app: Peisong) -> None:
    app.register_customer("C-1", "Li Wei", "138", [HOME])
    app.add_customer_address("C-1", {"label": "office", "lat": 31.2, "lon": 121.4})
    app.change_customer_contact("C-1", "139", "en", ["webhook"])
    found = customer(app, "C-1")
    assert [a["label"] for a in found.addresses] == ["home", "office"]
    assert (found.phone, found.language, found.channels) == ("139", "en", ["webhook"])


def test_a_customer_can_opt_out_of_a_channel_and_back_in(app: Peisong) -> None:
    app.register_customer("C-1", "Li Wei", "138", channels=["sms", "wechat"])
    app.set_customer_opt_out("C-1", "sms", True)
    app.set_customer_opt_out("C-1", "sms", True)
    assert customer(app, "C-1").opted_out == ["sms"]
    app.set_customer_opt_out("C-1", "sms", False)
    assert customer(app, "C-1").opted_out == []
    with pytest.raises(InvalidInput) as refused:
        app.set_customer_opt_out("C-1", "fax", True)
    assert refused.value.field == "channel"


def test_changing_an_unknown_customer_is_refused(app: Peisong) -> None:
    for change in (
        lambda: app.add_customer_address("C-404", HOME),
        lambda: app.change_customer_contact("C-404", "138", "en", ["sms"]),
        lambda: app.set_customer_opt_out("C-404", "sms", True),
    ):
        with pytest.raises(NotFound) as refused:
            change()
        assert refused.value.field == "reference"
