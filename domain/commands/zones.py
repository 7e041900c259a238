"""Commands on delivery zones: drawing them by hand, staffing them, and proposing and accepting
partitions computed from where deliveries have gone."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any, Mapping, Sequence

import shapely
from eventsourcing.application import AggregateNotFoundError

from domain import validation as v
from domain.couriers import FINAL, Courier
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.execution import CommandResult, CommandRunner
from domain.zones import (
    ZONE_KINDS, Boundary, Zone, ZoneIndex, ZoneMap, ZoneProposal, ZonesOverlap, boundary_from_geojson,
)
from solver.zoning import ZoningInputError, ZoningRequest, partition_zones

SOLVER = "solver.zoning: balanced k-means, Voronoi cells, boundary repair"
MAX_ADDRESSES = 200_000


class ZoneCommands(CommandRunner):
    def define_zone(
        self, code: str, name: str, kind: str, boundary: Mapping[str, Any], idempotency_key: str | None = None
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            code_ = v.text(code, "code", max_length=40)
            shape = boundary_from_geojson(boundary, "boundary")
            if self.get_or_none(Zone.create_id(code_)) is not None:
                raise AlreadyExists(f"zone {code_} already exists", field="code", zone=code_)
            zone_map = self._zone_map()
            zone_map.check_no_overlap(code_, shape, self.settings.zone_overlap_tolerance_m2)
            zone = Zone(
                code=code_, name=v.text(name, "name"), kind=v.one_of(kind, ZONE_KINDS, "kind"),
                boundary=shape.geojson, area_km2=round(shape.area_km2, 6),
            )
            zone_map.draw(code=code_, boundary=shape.geojson)
            return [zone, zone_map], {"code": code_, "id": str(zone.id), "areaKm2": zone.area_km2}

        return self.run_command("defineZone", body, idempotency_key)

    def redraw_zone(self, code: str, boundary: Mapping[str, Any], idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            zone = self.existing_zone(code)
            shape = boundary_from_geojson(boundary, "boundary")
            zone.check_active()
            zone_map = self._zone_map()
            zone_map.check_no_overlap(zone.code, shape, self.settings.zone_overlap_tolerance_m2)
            zone.redraw(shape)
            zone_map.draw(code=zone.code, boundary=shape.geojson)
            return [zone, zone_map], {"code": zone.code, "areaKm2": zone.area_km2}

        return self.run_command("redrawZone", body, idempotency_key)

    def assign_courier_to_zone(self, zone: str, courier: str, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            area = self.existing_zone(zone)
            who = self._employed_courier(courier)
            area.assign(who)
            return [area], {"code": area.code, "couriers": list(area.couriers)}

        return self.run_command("assignCourierToZone", body, idempotency_key)

    def unassign_courier_from_zone(self, zone: str, courier: str, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            area = self.existing_zone(zone)
            area.unassign(v.text(courier, "courier", max_length=64))
            return [area], {"code": area.code, "couriers": list(area.couriers)}

        return self.run_command("unassignCourierFromZone", body, idempotency_key)

    def retire_zone(self, zone: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        """A retired zone leaves the map: orders there are flagged as outside every zone."""

        def body():  # type: ignore[no-untyped-def]
            area = self.existing_zone(zone)
            area.retire(v.text(reason, "reason", max_length=v.MAX_LONG_TEXT))
            zone_map = self._zone_map()
            zone_map.remove(code=area.code)
            return [area, zone_map], {"code": area.code}

        return self.run_command("retireZone", body, idempotency_key)

    def propose_zones(
        self,
        addresses: Sequence[Sequence[float]],
        zones: int,
        city: Mapping[str, Any] | None = None,
        service_minutes: float = 5.0,
        speed_kmh: float = 20.0,
        days: float = 1.0,
        tolerance: float = 1.2,
        seed: int = 0,
        code_prefix: str = "Z",
        kind: str = "mixed",
        proposal: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Ask the solver for `zones` zones of even daily workload over these historical addresses,
        each (lat, lon) or (lat, lon, service minutes), and record its answer for someone to accept.

        The addresses themselves are not recorded (there may be a year of them): their digest is,
        with every other input, so the proposal can be re-run and compared."""

        def body():  # type: ignore[no-untyped-def]
            proposal_id = v.text(proposal, "proposal", max_length=40) if proposal is not None else new_proposal_id()
            if self.get_or_none(ZoneProposal.create_id(proposal_id)) is not None:
                raise AlreadyExists(f"zone proposal {proposal_id} already exists", field="proposal",
                                    proposal=proposal_id)
            prefix = v.text(code_prefix, "codePrefix", max_length=20)
            zone_kind = v.one_of(kind, ZONE_KINDS, "kind")
            lats, lons, service = _address_columns(addresses, _number(service_minutes, "serviceMinutes"))
            request = ZoningRequest(
                lats=lats, lons=lons, zones=v.positive_int(zones, "zones"), service_minutes=service, city=city,
                speed_kmh=_number(speed_kmh, "speedKmh"), days=_number(days, "days"),
                tolerance=_number(tolerance, "tolerance"), seed=v.non_negative_int(seed, "seed"),
            )
            try:
                partition = partition_zones(request)
            except ZoningInputError as refused:
                raise InvalidInput(str(refused), field=refused.field) from None
            width = max(2, len(str(len(partition.zones))))
            proposed = tuple(
                {
                    "code": f"{prefix}{n:0{width}d}", "name": f"{prefix}{n:0{width}d}", "kind": zone_kind,
                    "boundary": zone.boundary, "addresses": zone.addresses,
                    "service_minutes": round(zone.service_minutes, 3), "travel_minutes": round(zone.travel_minutes, 3),
                    "workload_minutes": round(zone.workload_minutes, 3), "area_km2": round(zone.area_km2, 6),
                    "centre": {"lat": zone.centre_lat, "lon": zone.centre_lon},
                }
                for n, zone in enumerate(partition.zones, start=1)
            )
            parameters = {
                "zones": request.zones, "addresses": len(lats), "addresses_digest": _digest(lats, lons, service),
                "service_minutes": float(service_minutes), "speed_kmh": request.speed_kmh, "days": request.days,
                "detour": request.detour, "tolerance": request.tolerance, "seed": request.seed,
                "hull_buffer_m": request.hull_buffer_m, "city": dict(city) if city is not None else None,
                "code_prefix": prefix, "kind": zone_kind, "solver": SOLVER,
            }
            record = ZoneProposal(
                proposal=proposal_id, parameters=parameters, zones=proposed,
                mean_workload_minutes=round(partition.mean_workload, 3),
                max_workload_minutes=round(partition.max_workload, 3),
                imbalance=round(partition.imbalance, 4), repair_moves=partition.repair_moves,
            )
            return [record], {
                "proposal": proposal_id, "id": str(record.id), "imbalance": record.imbalance,
                "zones": [{"code": z["code"], "workloadMinutes": z["workload_minutes"], "addresses": z["addresses"]}
                          for z in proposed],
            }

        return self.run_command("proposeZones", body, idempotency_key)

    def accept_zone_proposal(self, proposal: str, idempotency_key: str | None = None) -> CommandResult:
        """Turn a proposal into zones in one save: new codes are defined, codes in use are redrawn (or
        reinstated if retired), and active zones the proposal covers any part of are retired."""

        def body():  # type: ignore[no-untyped-def]
            record = self.get_existing(ZoneProposal.create_id(proposal), f"zone proposal {proposal}", "proposal")
            record.check_open()
            zone_map = self._zone_map()
            shapes = {z["code"]: boundary_from_geojson(z["boundary"], f"zones.{i}.boundary")
                      for i, z in enumerate(record.zones)}
            _check_apart(shapes, self.settings.zone_overlap_tolerance_m2)
            tolerance = self.settings.zone_overlap_tolerance_m2
            covered = shapely.union_all([shape.geometry for shape in shapes.values()])
            replaced = [code for code, shared in zone_map.index.overlaps(covered) if shared > tolerance]
            reason = f"replaced by zone proposal {record.proposal}"
            changed: list[Any] = []
            retired = []
            for code in replaced:
                if code not in shapes:
                    old = self.existing_zone(code)
                    old.retire(reason, proposal=record.proposal)
                    zone_map.remove(code=code)
                    changed.append(old)
                    retired.append(code)
            defined, redrawn = [], []
            for entry in record.zones:
                code, shape = entry["code"], shapes[entry["code"]]
                zone = self.get_or_none(Zone.create_id(code))
                if zone is None:
                    zone = Zone(code=code, name=entry["name"], kind=entry["kind"], boundary=shape.geojson,
                                area_km2=round(shape.area_km2, 6), proposal=record.proposal)
                    defined.append(code)
                elif zone.retired:
                    zone.reinstate(shape, proposal=record.proposal)
                    redrawn.append(code)
                else:
                    zone.redraw(shape, proposal=record.proposal)
                    redrawn.append(code)
                zone_map.draw(code=code, boundary=shape.geojson)
                changed.append(zone)
            record.accept(at=self.clock.now(), defined=tuple(defined), redrawn=tuple(redrawn), retired=tuple(retired))
            return [*changed, zone_map, record], {
                "proposal": record.proposal, "defined": defined, "redrawn": redrawn, "retired": retired,
            }

        return self.run_command("acceptZoneProposal", body, idempotency_key)

    # -- reading -----------------------------------------------------------------------------

    def zone_at(self, lat: float, lon: float) -> str | None:
        """The active zone holding the point (a point on a shared edge goes to the first code)."""
        lat_, lon_ = v.coordinates(lat, lon, "location")
        with self._command_lock:  # read the cached map itself (not a copy), so its shapes stay prepared
            try:
                zone_map = self.repository.get(ZoneMap.create_id(), deepcopy_from_cache=False)
            except AggregateNotFoundError:
                return None
            return zone_map.zone_at(lat_, lon_)

    def existing_zone(self, code: str) -> Zone:
        return self.get_existing(Zone.create_id(code), f"zone {code}", "zone")

    # -- helpers -----------------------------------------------------------------------------

    def _zone_map(self) -> ZoneMap:
        return self.get_or_none(ZoneMap.create_id()) or ZoneMap()

    def _employed_courier(self, courier: str) -> str:
        who = v.text(courier, "courier", max_length=64)
        found = self.get_or_none(Courier.create_id(who))
        if found is None:
            raise NotFound(f"courier {who} not found", field="courier", courier=who)
        if found.status in FINAL:
            raise InvalidInput(f"courier {who} is {found.status} and cannot work a zone", field="courier",
                               courier=who, status=found.status)
        return who


def new_proposal_id() -> str:
    return "ZP-" + secrets.token_hex(4).upper()


def _address_columns(
    addresses: Sequence[Sequence[float]], service_minutes: float
) -> tuple[list[float], list[float], list[float]]:
    if not addresses:
        raise InvalidInput("a proposal needs historical addresses", field="addresses")
    if len(addresses) > MAX_ADDRESSES:
        raise InvalidInput(f"at most {MAX_ADDRESSES} addresses per proposal", field="addresses")
    lats, lons, service = [], [], []
    for i, address in enumerate(addresses):
        if not isinstance(address, (tuple, list)) or len(address) not in (2, 3):
            raise InvalidInput("an address is (lat, lon) or (lat, lon, service minutes)", field=f"addresses.{i}")
        lat, lon = v.coordinates(address[0], address[1], f"addresses.{i}")
        minutes = address[2] if len(address) == 3 else service_minutes
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 <= minutes < 24 * 60:
            raise InvalidInput("service minutes must be between 0 and a day", field=f"addresses.{i}.serviceMinutes")
        lats.append(lat)
        lons.append(lon)
        service.append(float(minutes))
    return lats, lons, service


def _number(value: Any, field: str) -> float:
    """A finite number, zero or more; the solver judges what range makes sense."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise InvalidInput(f"{field} must be a number, zero or more", field=field)
    return float(value)


def _digest(lats: list[float], lons: list[float], service: list[float]) -> str:
    return hashlib.sha256(json.dumps([lats, lons, service], separators=(",", ":")).encode()).hexdigest()


def _check_apart(shapes: dict[str, Boundary], tolerance_m2: float) -> None:
    """The proposed zones must not overlap one another (the solver promises it; the map insists)."""
    index = ZoneIndex({code: shape.geojson for code, shape in shapes.items()})
    for code, shape in shapes.items():
        for other, shared in index.overlaps(shape.geometry, frozenset({code})):
            if shared > tolerance_m2:
                raise ZonesOverlap(f"proposed zones {code} and {other} overlap by {shared:,.0f} m²",
                                   field="proposal", zone=code, other=other, overlap_m2=round(shared, 1))
