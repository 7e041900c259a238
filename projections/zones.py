"""Delivery zones for the dispatcher: boundaries, couriers, the orders in each, those outside all, and proposals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import (
    BigInteger, Boolean, Column, Connection, Float, Index, Integer, String, Table, Text, func, select,
)
from sqlalchemy.engine import RowMapping

from domain.orders import CANCELLED, DELIVERED, RETURNED, Order
from domain.zones import UnzonedOrder, Zone, ZoneProposal
from projections.columns import Instant, JsonList
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import after_key, check_aware, check_first, decode_cursor, make_page
from projections.projector import Projector
from projections.rows import CHUNK, RowBatch
from projections.views import (
    Page, ProposedZoneView, UnzonedOrderView, ZoneOrderView, ZoneProposalView, ZoneView, ZoneWorkloadView,
)

zones = Table(
    "zones",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    # GeoJSON kept as its two parts: the geometry type and its coordinate arrays.
    Column("boundary_type", String(16), nullable=False),
    Column("boundary_coordinates", JsonList, nullable=False),
    Column("area_km2", Float, nullable=False),
    Column("retired", Boolean, nullable=False, index=True),
    Column("retired_reason", Text, nullable=False),
    Column("proposal", String(40)),
    Column("defined_at", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
)

zone_couriers = Table(
    "zone_couriers",
    metadata,
    Column("key", String(110), primary_key=True),  # "<zone code>:<courier>"
    Column("zone", String(40), nullable=False, index=True),
    Column("courier", String(64), nullable=False, index=True),
    Column("assigned_at", Instant, nullable=False),
)

zone_orders = Table(
    "zone_orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("zone", String(40)),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("window_start", Instant, nullable=False),
    Column("placed_at", Instant, nullable=False),
    Column("outside_zones", Boolean, nullable=False),
    Column("zones_on_map", Integer),
    Column("found_outside_at", Instant),
    Column("found_position", BigInteger),
    Column("closed_as", String(16)),
    Index("ix_zone_orders_zone_window", "zone", "window_start"),
    Index("ix_zone_orders_outside", "outside_zones", "found_position"),
)

zone_proposals = Table(
    "zone_proposals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("proposal", String(40), nullable=False, unique=True),
    Column("proposed_at", Instant, nullable=False),
    Column("position", BigInteger, nullable=False, index=True),
    Column("zones", JsonList, nullable=False),
    Column("requested_zones", Integer, nullable=False),
    Column("addresses", Integer, nullable=False),
    Column("service_minutes", Float, nullable=False),
    Column("speed_kmh", Float, nullable=False),
    Column("days", Float, nullable=False),
    Column("tolerance", Float, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("mean_workload_minutes", Float, nullable=False),
    Column("max_workload_minutes", Float, nullable=False),
    Column("imbalance", Float, nullable=False),
    Column("repair_moves", Integer, nullable=False),
    Column("accepted_at", Instant),
    Column("defined", JsonList, nullable=False),
    Column("redrawn", JsonList, nullable=False),
    Column("retired", JsonList, nullable=False),
)

DEFINED: type = Zone.ZoneDefined  # type: ignore[attr-defined]
REDRAWN: type = Zone.ZoneBoundaryRedrawn  # type: ignore[attr-defined]
ASSIGNED: type = Zone.CourierAssignedToZone  # type: ignore[attr-defined]
UNASSIGNED: type = Zone.CourierUnassignedFromZone  # type: ignore[attr-defined]
RETIRED: type = Zone.ZoneRetired  # type: ignore[attr-defined]
REINSTATED: type = Zone.ZoneReinstated  # type: ignore[attr-defined]
ZONE_CHANGES = (REDRAWN, ASSIGNED, UNASSIGNED, RETIRED, REINSTATED)
PLACED: type = Order.OrderPlaced  # type: ignore[attr-defined]
OUTSIDE: type = UnzonedOrder.OrderFoundOutsideZones  # type: ignore[attr-defined]
# The end of an order's road: it no longer needs a courier in its zone.
CLOSINGS: dict[type, str] = {
    Order.OrderDelivered: DELIVERED,  # type: ignore[attr-defined]
    Order.OrderReturnedToWarehouse: RETURNED,  # type: ignore[attr-defined]
    Order.OrderCancelled: CANCELLED,  # type: ignore[attr-defined]
}
PROPOSED: type = ZoneProposal.ZonePartitionProposed  # type: ignore[attr-defined]
ACCEPTED: type = ZoneProposal.ZoneProposalAccepted  # type: ignore[attr-defined]


class ZonesProjector(Projector):
    name = "zones"
    tables = (zones, zone_couriers, zone_orders, zone_proposals)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({DEFINED, *ZONE_CHANGES, PLACED, OUTSIDE, *CLOSINGS, PROPOSED, ACCEPTED})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        areas = RowBatch(zones, "id")
        orders = RowBatch(zone_orders, "id")
        proposals = RowBatch(zone_proposals, "id")
        areas.load(conn, (str(c.event.originator_id) for c in changes if isinstance(c.event, ZONE_CHANGES)))
        orders.load(conn, [
            *(str(c.event.originator_id) for c in changes if type(c.event) in CLOSINGS),
            *(str(Order.create_id(c.event.order)) for c in changes if isinstance(c.event, OUTSIDE)),
        ])
        proposals.load(conn, (str(c.event.originator_id) for c in changes if isinstance(c.event, ACCEPTED)))
        # Net effect on zone staffing, in log order: a row to keep, or None to remove.
        staffing: dict[str, dict[str, Any] | None] = {}
        for position, event in changes:
            key = str(event.originator_id)
            kind = type(event)
            if kind is DEFINED:
                areas.add(defined_row(key, event))
            elif kind in ZONE_CHANGES:
                area = areas.change(key)
                if area is None:
                    raise LookupError(f"zone {key} changed at position {position} but was never defined")
                area["updated_at"] = event.timestamp
                _change_zone(area, staffing, event)
            elif kind is PLACED:
                orders.add(placed_row(key, event))
            elif kind is OUTSIDE:
                order = orders.change(str(Order.create_id(event.order)))
                if order is None:
                    raise LookupError(f"order {event.order} found outside zones at {position} but never placed")
                order.update(outside_zones=True, zones_on_map=event.zones_on_map, found_outside_at=event.timestamp,
                             found_position=position)
            elif kind in CLOSINGS:
                order = orders.change(key)
                if order is None:
                    raise LookupError(f"order {key} closed at position {position} but was never placed")
                order["closed_as"] = CLOSINGS[kind]
            elif kind is PROPOSED:
                proposals.add(proposed_row(key, event, position))
            else:
                proposal = proposals.change(key)
                if proposal is None:
                    raise LookupError(f"zone proposal {key} accepted at position {position} but never proposed")
                proposal.update(accepted_at=event.at, defined=list(event.defined), redrawn=list(event.redrawn),
                                retired=list(event.retired))
        areas.flush(conn)
        orders.flush(conn)
        proposals.flush(conn)
        if staffing:
            keys = list(staffing)
            for start in range(0, len(keys), CHUNK):
                conn.execute(zone_couriers.delete().where(zone_couriers.c.key.in_(keys[start:start + CHUNK])))
            kept = [row for row in staffing.values() if row is not None]
            if kept:
                conn.execute(zone_couriers.insert(), kept)


def _change_zone(area: dict[str, Any], staffing: dict[str, dict[str, Any] | None], event: Any) -> None:
    kind = type(event)
    code = area["code"]
    if kind is ASSIGNED:
        staffing[f"{code}:{event.courier}"] = {
            "key": f"{code}:{event.courier}", "zone": code, "courier": event.courier, "assigned_at": event.timestamp,
        }
    elif kind is UNASSIGNED:
        staffing[f"{code}:{event.courier}"] = None
    elif kind is RETIRED:
        for courier in event.released_couriers:
            staffing[f"{code}:{courier}"] = None
        area.update(retired=True, retired_reason=event.reason, proposal=event.proposal or area["proposal"])
    else:  # redrawn or reinstated: a new boundary
        area.update(
            boundary_type=event.boundary["type"], boundary_coordinates=event.boundary["coordinates"],
            area_km2=float(event.area_km2), proposal=event.proposal or area["proposal"],
        )
        if kind is REINSTATED:
            area.update(retired=False, retired_reason="")


def defined_row(key: str, event: Any) -> dict[str, Any]:
    return {
        "id": key, "code": event.code, "name": event.name, "kind": event.kind,
        "boundary_type": event.boundary["type"], "boundary_coordinates": event.boundary["coordinates"],
        "area_km2": float(event.area_km2), "retired": False, "retired_reason": "", "proposal": event.proposal,
        "defined_at": event.timestamp, "updated_at": event.timestamp,
    }


def placed_row(key: str, event: Any) -> dict[str, Any]:
    return {
        "id": key, "number": event.number, "zone": getattr(event, "zone", None),
        "lat": float(event.address["lat"]), "lon": float(event.address["lon"]),
        "window_start": event.window_start, "placed_at": event.timestamp, "outside_zones": False,
        "zones_on_map": None, "found_outside_at": None, "found_position": None, "closed_as": None,
    }


def proposed_row(key: str, event: Any, position: int) -> dict[str, Any]:
    parameters = event.parameters
    return {
        "id": key, "proposal": event.proposal, "proposed_at": event.timestamp, "position": position,
        "zones": [dict(zone) for zone in event.zones], "requested_zones": int(parameters["zones"]),
        "addresses": int(parameters["addresses"]), "service_minutes": float(parameters["service_minutes"]),
        "speed_kmh": float(parameters["speed_kmh"]), "days": float(parameters["days"]),
        "tolerance": float(parameters["tolerance"]), "seed": int(parameters["seed"]),
        "mean_workload_minutes": float(event.mean_workload_minutes),
        "max_workload_minutes": float(event.max_workload_minutes), "imbalance": float(event.imbalance),
        "repair_moves": int(event.repair_moves), "accepted_at": None, "defined": [], "redrawn": [], "retired": [],
    }


# -- queries: the only way the API reads zones --------------------------------------------


def get_zone(db: ReadDatabase, code: str) -> ZoneView | None:
    with db.read() as conn:
        row = conn.execute(select(zones).where(zones.c.code == code)).mappings().first()
        if row is None:
            return None
        staff = _couriers_of(conn, [code])
    return zone_view(row, staff)


def list_zones(db: ReadDatabase, *, include_retired: bool = False) -> list[ZoneView]:
    """Zones by code; retired ones only when asked for."""
    query = select(zones).order_by(zones.c.code)
    if not include_retired:
        query = query.where(zones.c.retired.is_(False))
    with db.read() as conn:
        rows = conn.execute(query).mappings().all()
        staff = _couriers_of(conn, [row["code"] for row in rows])
    return [zone_view(row, staff) for row in rows]


def zone_workloads(
    db: ReadDatabase, codes: Sequence[str], window_from: datetime, window_to: datetime, service_minutes: Decimal,
) -> dict[str, ZoneWorkloadView]:
    """Orders due in each zone whose window starts in [window_from, window_to), cancelled ones aside,
    times the service minutes each takes: the work a zone asks of its couriers."""
    check_aware(window_from, "from")
    check_aware(window_to, "to")
    counts = {code: 0 for code in codes}
    if codes:
        with db.read() as conn:
            for zone, orders in conn.execute(
                select(zone_orders.c.zone, func.count())
                .where(
                    zone_orders.c.zone.in_(list(codes)), zone_orders.c.window_start >= window_from,
                    zone_orders.c.window_start < window_to,
                    func.coalesce(zone_orders.c.closed_as, "") != CANCELLED,
                )
                .group_by(zone_orders.c.zone)
            ):
                counts[zone] = int(orders)
    return {
        code: ZoneWorkloadView(
            zone=code, window_from=window_from, window_to=window_to, orders=orders, service_minutes=service_minutes,
            workload_minutes=service_minutes * orders,
        )
        for code, orders in counts.items()
    }


def orders_in_zone(
    db: ReadDatabase,
    zone: str,
    *,
    window_from: datetime | None = None,
    window_to: datetime | None = None,
    open_only: bool = False,
    after: str | None = None,
    first: int = 50,
) -> Page[ZoneOrderView]:
    """The orders point-in-polygon placed in a zone when they were placed, by window start then number."""
    check_first(first)
    check_aware(window_from, "from")
    check_aware(window_to, "to")
    criteria = [zone_orders.c.zone == zone]
    if window_from is not None:
        criteria.append(zone_orders.c.window_start >= window_from)
    if window_to is not None:
        criteria.append(zone_orders.c.window_start < window_to)
    if open_only:
        criteria.append(zone_orders.c.closed_as.is_(None))
    sort = (zone_orders.c.window_start, zone_orders.c.number)
    page_criteria = list(criteria)
    if after is not None:
        page_criteria.append(after_key(sort, decode_cursor(after, datetime, str)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(zone_orders).where(*criteria)).scalar_one()
        rows = conn.execute(
            select(zone_orders).where(*page_criteria).order_by(*sort).limit(first + 1)
        ).mappings().all()
    return make_page(rows, first, total, view=zone_order_view, key=lambda row: (row["window_start"], row["number"]))


def unzoned_orders(
    db: ReadDatabase, *, open_only: bool = True, after: str | None = None, first: int = 50,
) -> Page[UnzonedOrderView]:
    """Orders placed outside every zone, in the order they were found; `open_only` leaves out those
    already delivered, returned or cancelled, which no longer need placing."""
    check_first(first)
    criteria = [zone_orders.c.outside_zones.is_(True)]
    if open_only:
        criteria.append(zone_orders.c.closed_as.is_(None))
    sort = (zone_orders.c.found_position,)
    page_criteria = list(criteria)
    if after is not None:
        page_criteria.append(after_key(sort, decode_cursor(after, int)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(zone_orders).where(*criteria)).scalar_one()
        rows = conn.execute(
            select(zone_orders).where(*page_criteria).order_by(*sort).limit(first + 1)
        ).mappings().all()
    return make_page(
        rows, first, total,
        view=lambda row: UnzonedOrderView(
            number=row["number"], lat=row["lat"], lon=row["lon"], window_start=row["window_start"],
            placed_at=row["placed_at"], found_at=row["found_outside_at"], zones_on_map=row["zones_on_map"],
            closed_as=row["closed_as"],
        ),
        key=lambda row: (row["found_position"],),
    )


def zone_proposals_list(
    db: ReadDatabase, *, open_only: bool = False, first: int | None = None,
) -> list[ZoneProposalView]:
    """The latest `first` proposals, newest first; `open_only` keeps those nobody has accepted yet."""
    query = select(zone_proposals).order_by(zone_proposals.c.position.desc())
    if first is not None:
        query = query.limit(check_first(first))
    if open_only:
        query = query.where(zone_proposals.c.accepted_at.is_(None))
    with db.read() as conn:
        rows = conn.execute(query).mappings().all()
    return [zone_proposal_view(row) for row in rows]


def get_zone_proposal(db: ReadDatabase, proposal: str) -> ZoneProposalView | None:
    with db.read() as conn:
        row = conn.execute(select(zone_proposals).where(zone_proposals.c.proposal == proposal)).mappings().first()
    return None if row is None else zone_proposal_view(row)


def courier_zones(db: ReadDatabase, courier: str) -> list[str]:
    """The zones a courier is assigned to now, by code."""
    with db.read() as conn:
        return list(conn.execute(
            select(zone_couriers.c.zone).where(zone_couriers.c.courier == courier).order_by(zone_couriers.c.zone)
        ).scalars())


def delivery_addresses(db: ReadDatabase, window_from: datetime, window_to: datetime) -> list[tuple[float, float]]:
    """Where orders due in [window_from, window_to) were to be delivered (cancelled ones aside): the
    history a zone partition is proposed from."""
    check_aware(window_from, "from")
    check_aware(window_to, "to")
    with db.read() as conn:
        return [(float(lat), float(lon)) for lat, lon in conn.execute(
            select(zone_orders.c.lat, zone_orders.c.lon).where(
                zone_orders.c.window_start >= window_from, zone_orders.c.window_start < window_to,
                func.coalesce(zone_orders.c.closed_as, "") != CANCELLED,
            ).order_by(zone_orders.c.window_start, zone_orders.c.number)
        )]


def _couriers_of(conn: Connection, codes: list[str]) -> dict[str, list[str]]:
    staff: dict[str, list[str]] = {code: [] for code in codes}
    for start in range(0, len(codes), CHUNK):
        for zone, courier in conn.execute(
            select(zone_couriers.c.zone, zone_couriers.c.courier)
            .where(zone_couriers.c.zone.in_(codes[start:start + CHUNK]))
            .order_by(zone_couriers.c.courier)
        ):
            staff[zone].append(courier)
    return staff


def boundary_of(row: RowMapping) -> dict[str, Any]:
    return {"type": row["boundary_type"], "coordinates": row["boundary_coordinates"]}


def zone_view(row: RowMapping, staff: dict[str, list[str]]) -> ZoneView:
    return ZoneView(
        code=row["code"], name=row["name"], kind=row["kind"], boundary=boundary_of(row), area_km2=row["area_km2"],
        retired=row["retired"], retired_reason=row["retired_reason"], couriers=staff.get(row["code"], []),
        proposal=row["proposal"], defined_at=row["defined_at"], updated_at=row["updated_at"],
    )


def zone_order_view(row: RowMapping) -> ZoneOrderView:
    return ZoneOrderView(
        number=row["number"], zone=row["zone"], lat=row["lat"], lon=row["lon"], window_start=row["window_start"],
        placed_at=row["placed_at"], closed_as=row["closed_as"],
    )


def zone_proposal_view(row: RowMapping) -> ZoneProposalView:
    return ZoneProposalView(
        proposal=row["proposal"], proposed_at=row["proposed_at"], requested_zones=row["requested_zones"],
        addresses=row["addresses"], service_minutes=row["service_minutes"], speed_kmh=row["speed_kmh"],
        days=row["days"], tolerance=row["tolerance"], seed=row["seed"],
        mean_workload_minutes=row["mean_workload_minutes"], max_workload_minutes=row["max_workload_minutes"],
        imbalance=row["imbalance"], repair_moves=row["repair_moves"], accepted_at=row["accepted_at"],
        defined=list(row["defined"]), redrawn=list(row["redrawn"]), retired=list(row["retired"]),
        zones=[
            ProposedZoneView(
                code=z["code"], name=z["name"], kind=z["kind"], boundary=z["boundary"], addresses=int(z["addresses"]),
                service_minutes=float(z["service_minutes"]), travel_minutes=float(z["travel_minutes"]),
                workload_minutes=float(z["workload_minutes"]), area_km2=float(z["area_km2"]),
                centre_lat=float(z["centre"]["lat"]), centre_lon=float(z["centre"]["lon"]),
            )
            for z in row["zones"]
        ],
    )
