"""GraphQL views of couriers' positions, tracks and location alerts, and the inputs that report positions."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from api.recorded import Recorded
from api.views import thin
from domain.anomalies import KINDS
from domain.locations import REJECTION_REASONS
from projections.views import CourierPositionView, LocationAlertView, PositionAtView, TrackDayView

AlertKind = strawberry.enum(
    Enum("AlertKind", {kind.upper(): kind for kind in KINDS}),  # type: ignore[misc]
    description="What made a courier's positions worth a dispatcher's look.",
)

RejectionReason = strawberry.enum(
    Enum("RejectionReason", {reason.upper(): reason for reason in REJECTION_REASONS}),  # type: ignore[misc]
    description="Why a ping was not believed: counted, never allowed to stop the stream.",
)


@strawberry.type(description="A courier's latest accepted position.")
class CourierPosition:
    courier: str
    lat: float
    lon: float
    at: datetime = strawberry.field(description="When the phone took the fix.")
    speed_kmh: float | None
    accuracy_m: float | None
    position: int = strawberry.field(description="Log position of the report that brought it.")

    @classmethod
    def from_view(cls, view: CourierPositionView) -> "CourierPosition":
        return thin(cls, view)


PositionSource = strawberry.enum(
    Enum("PositionSource", {s.upper(): s for s in ("ping", "interpolated", "last_known")}),  # type: ignore[misc]
    description="A ping at that very moment, a straight line between the pings around it, or the last one before.",
)


@strawberry.type(description="Where a courier was at a moment, from the stored pings.")
class CourierPositionAt:
    courier: str
    at: datetime
    lat: float
    lon: float
    source: PositionSource  # type: ignore[valid-type]
    ping_at: datetime = strawberry.field(description="The ping at or before the moment.")
    next_ping_at: datetime | None = strawberry.field(description="The ping after it, when interpolated.")
    accuracy_m: float | None

    @classmethod
    def from_view(cls, view: PositionAtView) -> "CourierPositionAt":
        return thin(cls, view, source=PositionSource(view.source))


@strawberry.type(description="Latest positions: the first message of a subscription holds every matching "
                 "courier's, each later one those reported since the message before.")
class LivePositions:
    positions: list[CourierPosition]
    cursor: int = strawberry.field(description="The log position these positions are current to.")


@strawberry.type(description="One episode of an anomaly: raised once, ended once.")
class LocationAlert:
    alert: str
    courier: str
    kind: AlertKind  # type: ignore[valid-type]
    raised_at: datetime
    ended_at: datetime | None
    lat: float | None
    lon: float | None
    measure: float | None = strawberry.field(
        description="Seconds silent or idle, metres off the route, or km/h, as the kind says.")
    limit: float | None
    detail: str
    end_detail: str

    @strawberry.field
    def open(self) -> bool:
        return self.ended_at is None

    @classmethod
    def from_view(cls, view: LocationAlertView) -> "LocationAlert":
        return thin(cls, view, kind=AlertKind(view.kind))


@strawberry.type
class RejectionCount:
    reason: RejectionReason  # type: ignore[valid-type]
    count: int


@strawberry.type(description="How one business day of a courier's pings went.")
class TrackDay:
    courier: str
    day: date
    received: int
    accepted: int
    rejected: list[RejectionCount]
    last_ping_at: datetime | None

    @classmethod
    def from_view(cls, view: TrackDayView) -> "TrackDay":
        return thin(cls, view, day=date.fromisoformat(view.day), rejected=rejections(view.rejected))


def rejections(counts: dict[str, int]) -> list[RejectionCount]:
    return [RejectionCount(reason=RejectionReason(reason), count=count) for reason, count in sorted(counts.items())]


@strawberry.input
class PingInput:
    lat: float
    lon: float
    at: datetime = strawberry.field(description="When the phone took the fix, with a timezone.")
    speed_kmh: float | None = None
    accuracy_m: float | None = None

    def as_ping(self) -> dict[str, object]:
        """The domain reads speed in metres per second, as phones report it."""
        speed = None if self.speed_kmh is None else self.speed_kmh / 3.6
        return {"at": self.at, "lat": self.lat, "lon": self.lon, "speed": speed, "accuracy": self.accuracy_m}


@strawberry.input(description="One courier's batch of pings, in the order the phone took them.")
class ReportPositionsInput:
    courier: str | None = strawberry.field(default=None, description="Defaults to the signed-in courier.")
    pings: list[PingInput]


@strawberry.input
class CourierPingsInput:
    courier: str
    pings: list[PingInput]


@strawberry.input(description="Many couriers' batches in one save, as a gateway uploads a city's phones.")
class ReportPositionsBatchInput:
    reports: list[CourierPingsInput]


@strawberry.input
class PointInput:
    lat: float
    lon: float


@strawberry.input
class SetPlannedRouteInput:
    courier: str
    route: list[PointInput] = strawberry.field(description="The path the courier is expected to follow.")
    stops: list[PointInput] = strawberry.field(default_factory=list, description="Where waiting is expected.")
    day: date | None = strawberry.field(default=None, description="Business day; defaults to today.")
    plan: str | None = None


@strawberry.type
class AlertChange:
    courier: str
    kind: AlertKind  # type: ignore[valid-type]
    raised: bool = strawberry.field(description="True when an episode starts, false when it ends.")
    at: datetime


@strawberry.type
class ReportPositionsPayload(Recorded):
    couriers: int
    received: int
    accepted: int
    rejected: int
    rejected_by_reason: list[RejectionCount]
    alerts: list[AlertChange]


@strawberry.type
class PlannedRoutePayload(Recorded):
    courier: str
    day: date
    points: int
    stops: int


@strawberry.type
class StalePositionsPayload(Recorded):
    checked: int
    raised: list[str] = strawberry.field(description="Alerts raised, by id.")
    ended: list[str] = strawberry.field(description="Couriers whose silence alert ended (now off shift or on a break).")
    unknown: list[str]
