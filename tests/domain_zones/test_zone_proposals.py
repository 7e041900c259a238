"""Zone proposals: the solver's partition is recorded as a proposal, and accepting it redraws the map in one save."""

from __future__ import annotations

import pytest
from shapely.geometry import shape

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.orders import Order
from domain.zones import Zone, ZoneMap, ZoneProposal, ZoneProposalAlreadyAccepted
from tests.conftest import stock_shop, window
from tests.domain_zones.conftest import EAST, events_named, names, square
from tests.solver_zoning.cities import generated_city


def history(seed: int = 3, addresses: int = 600) -> list[tuple[float, float, float]]:
    return generated_city(seed, addresses).addresses


def test_a_proposal_records_its_parameters_polygons_and_workloads(app: Peisong) -> None:
    result = app.propose_zones(history(), 5, days=30, seed=3, proposal="ZP-2026-11")

    assert result["proposal"] == "ZP-2026-11"
    assert [z["code"] for z in result["zones"]] == ["Z01", "Z02", "Z03", "Z04", "Z05"]
    assert result["imbalance"] <= 1.2
    (proposed,) = events_named(app, ZoneProposal.create_id("ZP-2026-11"), "ZonePartitionProposed")
    assert proposed.parameters["zones"] == 5
    assert proposed.parameters["addresses"] == 600
    assert proposed.parameters["days"] == 30.0 and proposed.parameters["seed"] == 3
    assert len(proposed.parameters["addresses_digest"]) == 64
    assert len(proposed.zones) == 5
    for zone in proposed.zones:
        assert shape(zone["boundary"]).is_valid
        assert zone["workload_minutes"] == pytest.approx(zone["service_minutes"] + zone["travel_minutes"], abs=0.01)
    assert sum(z["addresses"] for z in proposed.zones) == 600
    assert proposed.max_workload_minutes <= 1.2 * proposed.mean_workload_minutes
    # A proposal is only a proposal: no zone exists yet.
    assert app.get_or_none(ZoneMap.create_id()) is None


def test_accepting_a_proposal_defines_its_zones_and_orders_land_in_them(app: Peisong, clock: ManualClock) -> None:
    stock_shop(app)
    addresses = history() + [(31.23, 121.54, 5.0), (31.22, 121.37, 5.0)]  # the shop's two customers' homes
    app.propose_zones(addresses, 4, seed=1, proposal="ZP-1")

    accepted = app.accept_zone_proposal("ZP-1")

    assert accepted["defined"] == ["Z01", "Z02", "Z03", "Z04"]
    assert accepted["retired"] == [] and accepted["redrawn"] == []
    zone_map = app.repository.get(ZoneMap.create_id())
    assert sorted(zone_map.boundaries) == ["Z01", "Z02", "Z03", "Z04"]
    (defined,) = events_named(app, Zone.create_id("Z01"), "ZoneDefined")
    assert defined.proposal == "ZP-1"
    start, end = window(clock)
    number = app.place_order("CUST-1", [("MILK-1L", 1)], {"lat": 31.23, "lon": 121.54}, start, end)["number"]
    assert app.repository.get(Order.create_id(number)).zone in zone_map.boundaries
    assert names(list(app.events.get(ZoneProposal.create_id("ZP-1")))) == [
        "ZonePartitionProposed", "ZoneProposalAccepted",
    ]


def test_a_proposal_is_accepted_once(app: Peisong) -> None:
    app.propose_zones(history(), 3, proposal="ZP-1")
    app.accept_zone_proposal("ZP-1")

    with pytest.raises(ZoneProposalAlreadyAccepted) as refused:
        app.accept_zone_proposal("ZP-1")
    assert refused.value.field == "proposal"


def test_accepting_a_new_partition_retires_the_zones_it_replaces_in_one_save(app: Peisong) -> None:
    app.define_zone("OLD", "Old centre", "mixed", square(121.40, 31.15, 121.50, 31.25))
    app.define_zone("FAR", "Far away", "rural", square(122.00, 31.00, 122.10, 31.10))
    app.propose_zones(history(), 4, seed=2, proposal="ZP-1", code_prefix="N")
    head = app.head_position()

    result = app.accept_zone_proposal("ZP-1")

    assert result["retired"] == ["OLD"]
    assert app.repository.get(Zone.create_id("OLD")).retired
    (retired,) = events_named(app, Zone.create_id("OLD"), "ZoneRetired")
    assert retired.proposal == "ZP-1"
    assert sorted(app.repository.get(ZoneMap.create_id()).boundaries) == ["FAR", "N01", "N02", "N03", "N04"]
    # One save: every event of the acceptance sits in one unbroken run of the log.
    assert app.head_position() == result.position
    recorded = app.recorder.select_notifications(start=head + 1, limit=100)
    assert len(recorded) == app.head_position() - head
    assert {n.id for n in recorded} == set(range(head + 1, app.head_position() + 1))


def test_accepting_again_with_the_same_codes_redraws_them(app: Peisong) -> None:
    app.propose_zones(history(), 3, seed=1, proposal="ZP-1")
    app.accept_zone_proposal("ZP-1")
    app.propose_zones(history(seed=4), 3, seed=4, proposal="ZP-2")

    result = app.accept_zone_proposal("ZP-2")

    assert result["redrawn"] == ["Z01", "Z02", "Z03"]
    assert names(list(app.events.get(Zone.create_id("Z01")))) == ["ZoneDefined", "ZoneBoundaryRedrawn"]
    proposal = app.repository.get(ZoneProposal.create_id("ZP-2"))
    assert app.repository.get(Zone.create_id("Z02")).boundary == proposal.zones[1]["boundary"]


def test_a_zone_retired_by_hand_comes_back_when_a_proposal_reuses_its_code(app: Peisong) -> None:
    app.define_zone("Z01", "First", "mixed", EAST)
    app.retire_zone("Z01", "redrawing everything")
    app.propose_zones(history(), 2, proposal="ZP-1")

    app.accept_zone_proposal("ZP-1")

    zone = app.repository.get(Zone.create_id("Z01"))
    assert not zone.retired
    assert names(list(app.events.get(zone.id)))[-1] == "ZoneReinstated"


def test_proposals_that_cannot_be_made_are_refused_naming_the_input(app: Peisong) -> None:
    with pytest.raises(InvalidInput) as too_many:
        app.propose_zones([(31.2, 121.4), (31.3, 121.5)], 3)
    assert too_many.value.field == "zones"
    with pytest.raises(InvalidInput) as off_globe:
        app.propose_zones([(31.2, 121.4), (95.0, 121.5)], 1)
    assert off_globe.value.field == "addresses.1.lat"
    with pytest.raises(InvalidInput) as no_history:
        app.propose_zones([], 2)
    assert no_history.value.field == "addresses"
    for speed in ("fast", 0.0):
        with pytest.raises(InvalidInput) as standing_still:
            app.propose_zones(history(), 2, speed_kmh=speed)  # type: ignore[arg-type]
        assert standing_still.value.field == "speedKmh"
    app.propose_zones(history(), 2, proposal="ZP-1")
    with pytest.raises(AlreadyExists):
        app.propose_zones(history(), 2, proposal="ZP-1")
    with pytest.raises(NotFound):
        app.accept_zone_proposal("ZP-404")
