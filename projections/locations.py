"""Where couriers are now and what looks wrong: the latest accepted position of each, the alerts their
positions raised, and how many pings each day's track took or turned away."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

import shapely
from shapely.geometry import shape
from sqlalchemy import BigInteger, Column, Connection, Float, Index, Integer, String, Table, Text, select
from sqlalchemy.engine import RowMapping

from domain.anomalies import IDLE, OFF_ROUTE, SPEEDING, STALE
from domain.locations import CourierTrack
from projections.columns import Instant, JsonList
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import check_first
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import CourierPositionView, LocationAlertView, PositionAtView, TrackDayView

location_tracks = Table(
    "location_tracks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("courier", String(64), nullable=False),
    Column("day", String(10), nullable=False),
    Column("received", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("rejected", JsonList, nullable=False),  # [[reason, count], ...] by reason
    Column("last_ping_at", Instant),
    Index("ix_location_tracks_courier_day", "courier", "day", unique=True),
)

courier_positions = Table(
    "courier_positions",
    metadata,
    Column("courier", String(64), primary_key=True),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("at", Instant, nullable=False),
    Column("speed_kmh", Float),
    Column("accuracy_m", Float),
    Column("day", String(10), nullable=False),
    # Log position of the report that brought it: live followers resume after it.
    Column("position", BigInteger, nullable=False, index=True),
)

location_alerts = Table(
    "location_alerts",
    metadata,
    Column("alert", String(140), primary_key=True),  # "<courier>/<day>/<kind>/<n>", as the track names it
    Column("courier", String(64), nullable=False, index=True),
    Column("day", String(10), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("raised_at", Instant, nullable=False),
    Column("ended_at", Instant),
    Column("lat", Float),
    Column("lon", Float),
    Column("measure", Float),
    Column("limit_value", Float),
    Column("detail", Text, nullable=False),
    Column("end_detail", Text, nullable=False),
    Column("position", BigInteger, nullable=False, index=True),
)

OPENED: type = CourierTrack.CourierTrackOpened  # type: ignore[attr-defined]
REPORTED: type = CourierTrack.PositionsReported  # type: ignore[attr-defined]


def _stale(e: Any) -> dict[str, Any]:
    if e.last_seen_at is None:
        seen = "nothing since the shift began"
    else:
        seen = f"last seen {e.last_seen_at:%Y-%m-%d %H:%M:%S} UTC"
    return {"measure": e.silent_seconds, "detail": f"no position for {e.silent_seconds:.0f} s ({seen})"}


def _off_route(e: Any) -> dict[str, Any]:
    return {"lat": e.lat, "lon": e.lon, "measure": e.distance_m, "limit_value": e.limit_m,
            "detail": f"{e.distance_m:.0f} m from the planned route (limit {e.limit_m:.0f} m)"}


def _idle(e: Any) -> dict[str, Any]:
    stop = f", nearest stop {e.nearest_stop_m:.0f} m away" if e.nearest_stop_m is not None else ", no stop planned"
    return {"lat": e.lat, "lon": e.lon, "measure": e.idle_seconds,
            "detail": f"still for {e.idle_seconds:.0f} s since {e.since:%H:%M:%S} UTC{stop}"}


def _speeding(e: Any) -> dict[str, Any]:
    return {"lat": e.lat, "lon": e.lon, "measure": e.speed_kmh, "limit_value": e.limit_kmh,
            "detail": f"{e.speed_kmh:.1f} km/h (limit {e.limit_kmh:.0f} km/h)"}


# Each kind of alert: the event that raises it and what it says, the event that ends it and what that says.
RAISES: dict[type, tuple[str, Any]] = {
    CourierTrack.StalePositionDetected: (STALE, _stale),  # type: ignore[attr-defined]
    CourierTrack.OffRouteDetected: (OFF_ROUTE, _off_route),  # type: ignore[attr-defined]
    CourierTrack.IdleAwayFromStopDetected: (IDLE, _idle),  # type: ignore[attr-defined]
    CourierTrack.SpeedingDetected: (SPEEDING, _speeding),  # type: ignore[attr-defined]
}
ENDS: dict[type, Any] = {
    CourierTrack.StalePositionEnded: (  # type: ignore[attr-defined]
        lambda e: "position received" if e.reason == "ping" else e.reason),
    CourierTrack.OffRouteEnded: (  # type: ignore[attr-defined]
        lambda e: f"back within {e.distance_m:.0f} m of the route"),
    CourierTrack.IdleAwayFromStopEnded: (  # type: ignore[attr-defined]
        lambda e: f"moved on after {e.idle_seconds:.0f} s"),
    CourierTrack.SpeedingEnded: lambda e: f"down to {e.speed_kmh:.1f} km/h",  # type: ignore[attr-defined]
}


class LocationsProjector(Projector):
    name = "locations"
    tables = (location_tracks, courier_positions, location_alerts)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({OPENED, REPORTED, *RAISES, *ENDS})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        tracks = RowBatch(location_tracks, "id")
        latest = RowBatch(courier_positions, "courier")
        alerts = RowBatch(location_alerts, "alert")
        tracks.load(conn, (str(c.event.originator_id) for c in changes if type(c.event) in (REPORTED, *RAISES)))
        alerts.load(conn, (c.event.alert for c in changes if type(c.event) in ENDS))
        couriers = {row["courier"] for row in tracks.rows.values()}
        couriers.update(c.event.courier for c in changes if isinstance(c.event, OPENED))
        latest.load(conn, couriers)
        for position, event in changes:
            key = str(event.originator_id)
            kind = type(event)
            if kind is OPENED:
                tracks.add({
                    "id": key, "courier": event.courier, "day": event.day, "received": 0, "accepted": 0,
                    "rejected": [], "last_ping_at": None,
                })
            elif kind is REPORTED:
                track = tracks.change(key)
                if track is None:
                    raise LookupError(f"positions reported at {position} on track {key}, which was never opened")
                _count(track, event)
                if event.accepted:
                    _move(latest, track, event.accepted[-1], position)
            elif kind in RAISES:
                alert_kind, describe = RAISES[kind]
                track = tracks.get(key)
                if track is None:
                    raise LookupError(f"alert raised at {position} on track {key}, which was never opened")
                alerts.add({
                    "alert": event.alert, "courier": track["courier"], "day": track["day"], "kind": alert_kind,
                    "raised_at": event.at, "ended_at": None, "lat": None, "lon": None, "measure": None,
                    "limit_value": None, "end_detail": "", "position": position, **describe(event),
                })
            else:
                alert = alerts.change(event.alert)
                if alert is None:
                    raise LookupError(f"alert {event.alert} ended at position {position} but was never raised")
                alert.update(ended_at=event.at, end_detail=ENDS[kind](event))
        tracks.flush(conn)
        latest.flush(conn)
        alerts.flush(conn)


def _count(track: dict[str, Any], event: Any) -> None:
    track["received"] += event.received
    track["accepted"] += len(event.accepted)
    rejected = dict(track["rejected"])
    for reason, count in event.rejected.items():
        rejected[reason] = rejected.get(reason, 0) + count
    track["rejected"] = sorted([reason, count] for reason, count in rejected.items())
    if event.accepted:
        track["last_ping_at"] = event.accepted[-1]["at"]


def _move(latest: RowBatch, track: dict[str, Any], ping: dict[str, Any], position: int) -> None:
    """The courier's latest position, unless a later ping is already known (a late upload for yesterday)."""
    current = latest.get(track["courier"])
    if current is not None and current["at"] > ping["at"]:
        return
    row = {
        "courier": track["courier"], "lat": ping["lat"], "lon": ping["lon"], "at": ping["at"],
        "speed_kmh": None if ping.get("speed") is None else round(ping["speed"] * 3.6, 2),
        "accuracy_m": ping.get("accuracy"), "day": track["day"], "position": position,
    }
    if current is None:
        latest.add(row)
    else:
        latest.change(track["courier"]).update(row)  # type: ignore[union-attr]


# -- queries: the only way the API reads positions and alerts -------------------------------


def latest_positions(
    db: ReadDatabase,
    *,
    couriers: Sequence[str] | None = None,
    within: dict[str, Any] | None = None,
    after_position: int = 0,
    up_to_position: int | None = None,
) -> list[CourierPositionView]:
    """Each courier's latest accepted position, by courier: of `couriers` if named, inside the GeoJSON
    boundary `within` if given, and brought by reports in (`after_position`, `up_to_position`]."""
    query = select(courier_positions).where(courier_positions.c.position > after_position)
    if up_to_position is not None:
        query = query.where(courier_positions.c.position <= up_to_position)
    if couriers is not None:
        query = query.where(courier_positions.c.courier.in_(list(couriers)))
    with db.read() as conn:
        rows = conn.execute(query.order_by(courier_positions.c.courier)).mappings().all()
    if within is not None and rows:
        area = shape(within)
        inside = shapely.intersects(area, shapely.points([(row["lon"], row["lat"]) for row in rows]))
        rows = [row for row, keep in zip(rows, inside) if keep]
    return [position_view(row) for row in rows]


def position_as_of(app: Any, courier: str, moment: datetime) -> PositionAtView | None:
    """Where the courier was at `moment`, from the stored pings themselves rather than a table: exact at a
    ping, interpolated between the two around it, or the last known. None if nothing was known yet."""
    found = app.position_at(courier, moment)
    if found is None:
        return None
    return PositionAtView(
        courier=found["courier"], at=found["at"], lat=found["lat"], lon=found["lon"], source=found["source"],
        ping_at=found["ping_at"], next_ping_at=found["next_ping_at"], accuracy_m=found["accuracy"],
    )


def location_alerts_list(
    db: ReadDatabase, *, open_only: bool = True, courier: str | None = None, kind: str | None = None,
    first: int | None = None,
) -> list[LocationAlertView]:
    """The first `first` alerts in the order they were raised; `open_only=False` includes the episodes
    that have ended."""
    query = select(location_alerts).order_by(location_alerts.c.position)
    if first is not None:
        query = query.limit(check_first(first))
    if open_only:
        query = query.where(location_alerts.c.ended_at.is_(None))
    if courier is not None:
        query = query.where(location_alerts.c.courier == courier)
    if kind is not None:
        query = query.where(location_alerts.c.kind == kind)
    with db.read() as conn:
        rows = conn.execute(query).mappings().all()
    return [alert_view(row) for row in rows]


def couriers_with_open_alert(db: ReadDatabase, kind: str) -> list[str]:
    with db.read() as conn:
        return sorted(set(conn.execute(
            select(location_alerts.c.courier).where(location_alerts.c.kind == kind,
                                                    location_alerts.c.ended_at.is_(None))
        ).scalars()))


def track_day(db: ReadDatabase, courier: str, day: str) -> TrackDayView | None:
    """How one courier's day of pings went: received, accepted, and rejected by reason."""
    with db.read() as conn:
        row = conn.execute(
            select(location_tracks).where(location_tracks.c.courier == courier, location_tracks.c.day == day)
        ).mappings().first()
    if row is None:
        return None
    return TrackDayView(
        courier=row["courier"], day=row["day"], received=row["received"], accepted=row["accepted"],
        rejected={reason: count for reason, count in row["rejected"]}, last_ping_at=row["last_ping_at"],
    )


def position_view(row: RowMapping) -> CourierPositionView:
    return CourierPositionView(
        courier=row["courier"], lat=row["lat"], lon=row["lon"], at=row["at"], speed_kmh=row["speed_kmh"],
        accuracy_m=row["accuracy_m"], position=row["position"],
    )


def alert_view(row: RowMapping) -> LocationAlertView:
    return LocationAlertView(
        alert=row["alert"], courier=row["courier"], kind=row["kind"], raised_at=row["raised_at"],
        ended_at=row["ended_at"], lat=row["lat"], lon=row["lon"], measure=row["measure"],
        limit=row["limit_value"], detail=row["detail"], end_detail=row["end_detail"],
    )
