"""The fleet over GraphQL: types with capacity, speeds and costs; vehicles with their holder and service state."""

from __future__ import annotations

from tests.api.conftest import Api, code_of, error_of
from tests.couriers_api.conftest import hours
from tests.domain_couriers.staffing import fleet

TYPES = """
query($p: Int) {
  vehicleTypes(atLeast: $p) {
    name capacityKg capacityL cruiseKmh maxKmh costPerKm costPerHour fixedDailyCost skills vehicles vehiclesAvailable
    speedBands { start end kmh }
  }
}
"""
VEHICLES = "query($status: VehicleStatus, $p: Int) { vehicles(status: $status, atLeast: $p) { nodes { plate status courier outOfServiceReason } } }"


def test_the_warehouse_reads_the_fleet_with_its_types_and_service_state(shop_api: Api) -> None:
    fleet(shop_api.application)
    defined = shop_api.data(
        'mutation { defineVehicleType(input: {name: "tricycle", capacityKg: "150", capacityL: "600", cruiseKmh: "15", '
        'maxKmh: "25", costPerKm: "0.08", costPerHour: "0", fixedDailyCost: "5", skills: [BULKY], '
        'speedBands: [{start: "17:00", end: "19:30", kmh: "11"}]}) { name position } }', role="dispatcher",
    )["defineVehicleType"]
    kinds = shop_api.data(TYPES, {"p": defined["position"]}, role="warehouse")["vehicleTypes"]
    assert [k["name"] for k in kinds] == ["e-bike", "refrigerated van", "tricycle"]
    assert kinds[2] == {
        "name": "tricycle", "capacityKg": "150.000", "capacityL": "600.000", "cruiseKmh": "15.0", "maxKmh": "25.0",
        "costPerKm": "0.08", "costPerHour": "0.00", "fixedDailyCost": "5.00", "skills": ["BULKY"], "vehicles": 0,
        "vehiclesAvailable": 0, "speedBands": [{"start": "17:00", "end": "19:30", "kmh": "11.0"}],
    }
    assert (kinds[0]["vehicles"], kinds[0]["vehiclesAvailable"]) == (2, 2)

    out = shop_api.data('mutation { takeVehicleOutOfService(input: {plate: "沪B·C7788", reason: "brakes"}) { position } }')
    broken = shop_api.data(VEHICLES, {"status": "OUT_OF_SERVICE", "p": out["takeVehicleOutOfService"]["position"]},
                           role="warehouse")["vehicles"]["nodes"]
    assert broken == [{"plate": "沪BC7788", "status": "OUT_OF_SERVICE", "courier": None, "outOfServiceReason": "brakes"}]
    start = shop_api.clock.now() + hours(1)
    plan = shop_api.gql('mutation($s: DateTime!, $e: DateTime!) { planShift(input: {courier: "C-1", start: $s, end: $e, '
                        'zone: "EAST", vehicle: "沪B·C7788"}) { shift } }',
                        {"s": start.isoformat(), "e": (start + hours(6)).isoformat()})
    assert (error_of(plan)["extensions"]["code"], error_of(plan)["extensions"]["field"]) == ("PRECONDITION_FAILED", "plate")
    assert code_of(shop_api.gql('mutation { registerVehicle(input: {plate: "沪A1", vehicleType: "e-bike"}) { plate } }',
                                role="warehouse")) == "FORBIDDEN"


def test_a_vehicle_assigned_to_a_running_shift_is_handed_over_and_the_old_one_comes_back(shop_api: Api) -> None:
    app = shop_api.application
    fleet(app)
    now = shop_api.clock.now()
    shift = app.plan_shift("C-1", now, now + hours(8), "EAST", vehicle="沪A·E0001")["shift"]
    app.start_shift("C-1", shift)
    swapped = shop_api.data('mutation($s: String!) { assignVehicleToShift(input: {plate: "沪A·E0002", courier: "C-1", '
                            'shift: $s}) { plate position } }', {"s": shift})["assignVehicleToShift"]
    vehicles = shop_api.data(VEHICLES, {"p": swapped["position"]})["vehicles"]["nodes"]
    assert {v["plate"]: (v["status"], v["courier"]) for v in vehicles} == {
        "沪AE0001": ("AVAILABLE", None), "沪AE0002": ("ASSIGNED", "C-1"), "沪BC7788": ("AVAILABLE", None),
    }
    costs = shop_api.data('mutation { changeVehicleTypeCosts(input: {name: "e-bike", costPerKm: "0.06", '
                          'costPerHour: "1", fixedDailyCost: "3"}) { name position } }')["changeVehicleTypeCosts"]
    e_bike = shop_api.data(TYPES, {"p": costs["position"]})["vehicleTypes"][0]
    assert (e_bike["costPerKm"], e_bike["vehiclesAvailable"]) == ("0.06", 1)
