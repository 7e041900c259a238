"""Business time: every event carries the injected clock's time, never the machine's."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest

from domain.app import Peisong
from domain.clock import ManualClock, command_time, current_command_time
from domain.orders import Order
from tests.conftest import START
from tests.domain.conftest import Placer, events_of, logged_since


def test_every_event_of_a_command_carries_the_clock_time(shop: Peisong, place: Placer, clock: ManualClock) -> None:
    clock.advance(timedelta(days=3, hours=5, minutes=17))
    head = shop.head_position()

    place([("RICE-5KG", 1), ("PAN-28", 1)])

    recorded = logged_since(shop, head)
    assert len(recorded) == 3
    assert {e.timestamp for e in recorded} == {START + timedelta(days=3, hours=5, minutes=17)}


def test_each_command_is_stamped_with_the_time_it_ran(shop: Peisong, place: Placer, clock: ManualClock) -> None:
    number = place([("RICE-5KG", 1)])
    placed_at = clock.now()
    clock.advance(timedelta(minutes=40))
    shop.pick_order(number)
    clock.set(datetime(2027, 1, 1, tzinfo=timezone.utc))
    shop.pack_order(number)

    stamps = [e.timestamp for e in events_of(shop, Order.create_id(number))]
    assert stamps == [placed_at, placed_at + timedelta(minutes=40), datetime(2027, 1, 1, tzinfo=timezone.utc)]
    order = shop.repository.get(Order.create_id(number))
    assert (order.created_on, order.modified_on) == (placed_at, datetime(2027, 1, 1, tzinfo=timezone.utc))


def test_business_time_survives_a_cold_replay(shop: Peisong, place: Placer, clock: ManualClock,
                                              make_app: Callable[[], Peisong]) -> None:
    clock.advance(timedelta(hours=2))
    number = place([("RICE-5KG", 1)])
    cold = make_app().repository.get(Order.create_id(number))
    assert cold.created_on == clock.now()


def test_a_manual_clock_only_moves_when_told() -> None:
    clock = ManualClock(START)
    assert clock.now() == clock.now() == START
    assert clock.advance(timedelta(seconds=5)) == START + timedelta(seconds=5)
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))


def test_command_time_applies_only_inside_its_block() -> None:
    moment = datetime(2030, 5, 1, tzinfo=timezone.utc)
    with command_time(moment):
        assert current_command_time() == moment
    assert current_command_time() != moment
    assert current_command_time().tzinfo is not None
