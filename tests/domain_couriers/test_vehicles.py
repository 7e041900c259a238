"""Vehicle types and vehicles: what the planner learns of them, and who may take which vehicle out."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from domain.app import Peisong
from domain.couriers import Courier
from domain.errors import AlreadyExists, InvalidInput, InvalidTransition, NotFound
from domain.vehicles import Vehicle, VehicleAlreadyAssigned, VehicleInUse, VehicleOutOfService, VehicleType
from tests.domain_couriers.staffing import event_names, events_of, hire, plan_next_shift

BIKE = "沪AE0001"
SPARE_BIKE = "沪AE0002"
VAN = "沪BC7788"


def test_a_vehicle_type_records_capacity_speeds_costs_and_skills(vehicles: Peisong) -> None:
    bike = vehicles.existing_vehicle_type("e-bike")
    assert (bike.capacity_kg, bike.capacity_l) == (Decimal("40.000"), Decimal("120.000"))
    assert (bike.cruise_kmh, bike.max_kmh) == (Decimal("18.0"), Decimal("25.0"))
    assert (bike.cost_per_km, bike.cost_per_hour, bike.fixed_daily_cost) == (
        Decimal("0.05"), Decimal("0.00"), Decimal("3.00"))
    assert bike.speed_at(datetime(2026, 11, 25, 8, 15, tzinfo=timezone.utc)) == Decimal("14.0")
    assert bike.speed_at(datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)) == Decimal("18.0")
    assert bike.is_speeding(26) and not bike.is_speeding("25")
    assert vehicles.existing_vehicle_type("refrigerated van").skills == ("cold_chain", "bulky")

    defined = events_of(vehicles, VehicleType.create_id("e-bike"))[0]
    assert defined.speed_bands[0] == {"start": "07:00", "end": "09:30", "kmh": Decimal("14.0")}


def test_a_vehicle_type_is_checked_before_it_is_defined(app: Peisong) -> None:
    good = dict(name="tricycle", capacity_kg="150", capacity_l="600", cruise_kmh="15", max_kmh="25",
                cost_per_km="0.1", cost_per_hour="0", fixed_daily_cost="5")
    cases = [
        (dict(max_kmh="12"), "maxKmh"),
        (dict(capacity_kg="0"), "capacityKg"),
        (dict(cost_per_km="-1"), "costPerKm"),
        (dict(skills=["teleport"]), "skills"),
        (dict(speed_bands=[{"start": "07:00", "end": "10:00", "kmh": "10"},
                           {"start": "09:00", "end": "11:00", "kmh": "12"}]), "speedBands"),
        (dict(speed_bands=[{"start": "07:00", "end": "10:00", "kmh": "30"}]), "speedBands.0.kmh"),
        (dict(speed_bands=[{"start": "10:00", "end": "07:00", "kmh": "10"}]), "speedBands.0.end"),
    ]
    for change, field in cases:
        with pytest.raises(InvalidInput) as refused:
            app.define_vehicle_type(**(good | change))
        assert refused.value.field == field
    app.define_vehicle_type(**good, speed_bands=[{"start": "22:00", "end": "24:00", "kmh": "20"}])
    with pytest.raises(AlreadyExists):
        app.define_vehicle_type(**good)


def test_speeds_and_costs_of_a_type_can_change(vehicles: Peisong) -> None:
    vehicles.change_vehicle_type_speeds("e-bike", "20", "25")
    vehicles.change_vehicle_type_costs("e-bike", "0.08", "0", "4")
    bike = vehicles.existing_vehicle_type("e-bike")
    assert bike.speed_bands == () and bike.cruise_kmh == Decimal("20.0")
    assert bike.cost_per_km == Decimal("0.08") and bike.fixed_daily_cost == Decimal("4.00")
    assert event_names(vehicles, bike.id)[-2:] == ["VehicleTypeSpeedsChanged", "VehicleTypeCostsChanged"]


def test_a_vehicle_needs_a_known_type_and_a_plate_of_its_own(vehicles: Peisong) -> None:
    with pytest.raises(NotFound):
        vehicles.register_vehicle("沪C12345", "hovercraft")
    with pytest.raises(AlreadyExists):
        vehicles.register_vehicle("沪a e0001", "e-bike")
    assert vehicles.existing_vehicle("沪A·E0001").plate == BIKE


def test_starting_a_shift_hands_over_its_vehicle_and_ending_it_brings_it_back(
    vehicles: Peisong, courier: str
) -> None:
    shift = plan_next_shift(vehicles, courier, vehicle=BIKE)
    vehicles.start_shift(courier, shift)
    bike = vehicles.existing_vehicle(BIKE)
    assert (bike.courier, bike.shift) == (courier, shift)
    vehicles.end_shift(courier)

    assert not vehicles.existing_vehicle(BIKE).assigned
    events = events_of(vehicles, Vehicle.create_id(BIKE))
    assert [type(e).__name__ for e in events] == ["VehicleRegistered", "VehicleAssigned", "VehicleReturned"]
    assert (events[1].courier, events[1].shift) == (courier, shift)
    started = [e for e in events_of(vehicles, Courier.create_id(courier)) if type(e).__name__ == "ShiftStarted"]
    assert started[0].vehicle == BIKE


def test_a_vehicle_already_out_with_another_courier_is_refused(vehicles: Peisong, courier: str) -> None:
    other = hire(vehicles, "COURIER-02")
    vehicles.start_shift(courier, plan_next_shift(vehicles, courier, vehicle=BIKE))
    theirs = plan_next_shift(vehicles, other, vehicle=BIKE)

    with pytest.raises(VehicleAlreadyAssigned) as refused:
        vehicles.start_shift(other, theirs)
    assert refused.value.ids["courier"] == courier
    assert vehicles.existing_courier(other).current_shift is None  # all or nothing


def test_an_out_of_service_vehicle_is_neither_planned_nor_taken_out(vehicles: Peisong, courier: str) -> None:
    shift = plan_next_shift(vehicles, courier, vehicle=BIKE)
    vehicles.take_vehicle_out_of_service(BIKE, "flat tyre")
    with pytest.raises(VehicleOutOfService):
        plan_next_shift(vehicles, courier, hours_from_now=24, vehicle=BIKE)
    with pytest.raises(VehicleOutOfService):
        vehicles.start_shift(courier, shift)
    with pytest.raises(InvalidTransition):
        vehicles.take_vehicle_out_of_service(BIKE, "still flat")

    vehicles.return_vehicle_to_service(BIKE, "tyre replaced")
    vehicles.start_shift(courier, shift)
    assert event_names(vehicles, Vehicle.create_id(BIKE))[1:] == [
        "VehicleTakenOutOfService", "VehicleBackInService", "VehicleAssigned"]


def test_a_vehicle_in_use_must_come_back_before_it_goes_out_of_service(vehicles: Peisong, courier: str) -> None:
    vehicles.start_shift(courier, plan_next_shift(vehicles, courier, vehicle=BIKE))
    with pytest.raises(VehicleInUse):
        vehicles.take_vehicle_out_of_service(BIKE, "brakes feel soft")


def test_a_vehicle_is_swapped_during_a_shift(vehicles: Peisong, courier: str) -> None:
    shift = plan_next_shift(vehicles, courier, vehicle=BIKE)
    vehicles.start_shift(courier, shift)
    vehicles.assign_vehicle_to_shift(SPARE_BIKE, courier, shift)
    vehicles.take_vehicle_out_of_service(BIKE, "brakes feel soft")

    assert vehicles.existing_courier(courier).open_shifts[shift].vehicle == SPARE_BIKE
    assert vehicles.existing_vehicle(SPARE_BIKE).courier == courier
    assert event_names(vehicles, Vehicle.create_id(BIKE))[-2:] == ["VehicleReturned", "VehicleTakenOutOfService"]
    changed = events_of(vehicles, Courier.create_id(courier))[-1]
    assert (type(changed).__name__, changed.vehicle, changed.previous) == ("ShiftVehicleChanged", SPARE_BIKE, BIKE)
    vehicles.end_shift(courier)
    assert not vehicles.existing_vehicle(SPARE_BIKE).assigned


def test_a_planned_shift_gets_a_vehicle_later(vehicles: Peisong, courier: str) -> None:
    shift = plan_next_shift(vehicles, courier, hours_from_now=24)
    vehicles.assign_vehicle_to_shift(VAN, courier, shift)
    assert vehicles.existing_courier(courier).open_shifts[shift].vehicle == VAN
    assert not vehicles.existing_vehicle(VAN).assigned  # handed over only when the shift starts


def test_a_vehicle_returned_early_leaves_the_shift_running_without_it(vehicles: Peisong, courier: str) -> None:
    shift = plan_next_shift(vehicles, courier, vehicle=BIKE)
    vehicles.start_shift(courier, shift)
    vehicles.return_vehicle(BIKE)
    person = vehicles.existing_courier(courier)
    assert person.current_shift == shift and person.open_shifts[shift].vehicle is None
    assert not vehicles.existing_vehicle(BIKE).assigned
    vehicles.end_shift(courier)
    assert event_names(vehicles, Vehicle.create_id(BIKE))[-1] == "VehicleReturned"


def test_suspending_a_courier_brings_their_vehicle_back(vehicles: Peisong, courier: str) -> None:
    vehicles.start_shift(courier, plan_next_shift(vehicles, courier, vehicle=VAN))
    vehicles.suspend_courier(courier, "accident under investigation")
    assert not vehicles.existing_vehicle(VAN).assigned
