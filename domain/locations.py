"""Where couriers are: each courier's day of positions as batches of checked pings, so an auditor can
ask where a courier was at any moment, and bad pings are counted rather than allowed to stop the stream.

A phone reports pings (time, lat, lon, and optionally speed in m/s and accuracy in metres) in
batches. Each batch becomes one `PositionsReported` event on the courier's track for that business
day, holding the pings it accepted and how many it rejected for each reason. Pings are judged in
the order received against the last accepted one, so accepted pings of a track only move forward
in time.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.anomalies import (
    IDLE, OFF_ROUTE, SPEEDING, STALE, AlertChange, AnomalyRules, RouteGeometry, stale_change, watch_pings,
)
from solver.geo import haversine_m

MALFORMED = "malformed"
OUT_OF_RANGE = "out_of_range"
INACCURATE = "inaccurate"
FROM_FUTURE = "from_future"
DUPLICATE = "duplicate"
OUT_OF_ORDER = "out_of_order"
IMPOSSIBLE_SPEED = "impossible_speed"
IMPOSSIBLE_JUMP = "impossible_jump"
TOO_OLD = "too_old"  # older than the day before yesterday: a device clock gone wrong, not a late upload
REJECTION_REASONS = (
    MALFORMED, OUT_OF_RANGE, INACCURATE, FROM_FUTURE, TOO_OLD, DUPLICATE, OUT_OF_ORDER, IMPOSSIBLE_SPEED,
    IMPOSSIBLE_JUMP,
)

PING_FIELDS = ("at", "lat", "lon", "speed", "accuracy")


class BadPing(Exception):
    """Why one ping is rejected; caught and counted, never raised out of a report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PingRules:
    """What a believable ping is: accurate enough, not from the future, reachable from the last one."""

    now: datetime
    max_speed_kmh: float
    max_accuracy_m: float
    future_tolerance: timedelta
    max_age: timedelta = timedelta(days=2)

    @classmethod
    def from_settings(cls, settings: Any, now: datetime, max_speed_kmh: float | None = None) -> "PingRules":
        return cls(
            now=now,
            max_speed_kmh=float(max_speed_kmh if max_speed_kmh is not None else settings.ping_max_speed_kmh),
            max_accuracy_m=float(settings.ping_max_accuracy_m),
            future_tolerance=timedelta(seconds=settings.ping_future_tolerance_seconds),
        )


def read_ping(raw: Any, rules: PingRules) -> dict[str, Any]:
    """A ping as plain data, from a mapping with the PING_FIELDS or a tuple in that order (speed and
    accuracy optional). Raises BadPing for what is unbelievable in itself, whatever came before."""
    try:
        if isinstance(raw, Mapping):
            at, lat, lon = raw["at"], raw["lat"], raw["lon"]
            speed, accuracy = raw.get("speed"), raw.get("accuracy")
        else:
            at, lat, lon, *rest = raw
            if len(rest) > 2:
                raise BadPing(MALFORMED)
            speed = rest[0] if rest else None
            accuracy = rest[1] if len(rest) > 1 else None
    except (KeyError, TypeError, ValueError):
        raise BadPing(MALFORMED) from None
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            raise BadPing(MALFORMED) from None
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise BadPing(MALFORMED)
    lat, lon = _number(lat), _number(lon)
    speed = None if speed is None else _number(speed)
    accuracy = None if accuracy is None else _number(accuracy)
    if speed is not None and speed < 0:
        raise BadPing(MALFORMED)
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise BadPing(OUT_OF_RANGE)
    if accuracy is not None and not (0.0 <= accuracy <= rules.max_accuracy_m):
        raise BadPing(INACCURATE)
    if at > rules.now + rules.future_tolerance:
        raise BadPing(FROM_FUTURE)
    if at < rules.now - rules.max_age:
        raise BadPing(TOO_OLD)
    if speed is not None and speed * 3.6 > rules.max_speed_kmh:
        raise BadPing(IMPOSSIBLE_SPEED)
    return {"at": at, "lat": lat, "lon": lon, "speed": speed, "accuracy": accuracy}


def read_pings(raws: Iterable[Any], rules: PingRules) -> list[dict[str, Any] | BadPing]:
    """Each ping read, or the reason it cannot be: a bad ping is a count, never an exception."""
    readings: list[dict[str, Any] | BadPing] = []
    for raw in raws:
        try:
            readings.append(read_ping(raw, rules))
        except BadPing as bad:
            readings.append(bad)
    return readings


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadPing(MALFORMED)
    number = float(value)
    if not math.isfinite(number):
        raise BadPing(MALFORMED)
    return number


def judge(ping: dict[str, Any], last: dict[str, Any] | None, rules: PingRules) -> None:
    """Raise BadPing if the ping cannot follow `last` (the last accepted ping)."""
    if last is None:
        return
    if ping["at"] == last["at"]:
        raise BadPing(DUPLICATE)
    if ping["at"] < last["at"]:
        raise BadPing(OUT_OF_ORDER)
    # Both fixes may be off by their accuracy, so only the distance beyond that counts.
    slack = (ping["accuracy"] or 0.0) + (last["accuracy"] or 0.0)
    metres = float(haversine_m(last["lat"], last["lon"], ping["lat"], ping["lon"])) - slack
    seconds = (ping["at"] - last["at"]).total_seconds()
    if metres > 0 and metres / seconds * 3.6 > rules.max_speed_kmh:
        raise BadPing(IMPOSSIBLE_JUMP)


@dataclass(frozen=True)
class BatchOutcome:
    """What one batch came to on one track: for the command's answer, the event holds the same."""

    received: int
    accepted: int
    rejected: dict[str, int]
    alerts: tuple[AlertChange, ...]


class CourierTrack(PeisongAggregate):
    """One courier's positions on one business day, and the alerts they raised."""

    @staticmethod
    def create_id(courier: str, day: date | str) -> UUID:
        return natural_id("courier-track", courier, day if isinstance(day, str) else day.isoformat())

    @event("CourierTrackOpened")
    def __init__(self, courier: str, day: str, carried: dict[str, Any] | None = None) -> None:
        """`carried` is what the day before ended with (last ping, open alerts, where the courier
        stood still since), so the rules run across midnight as if it were not there."""
        carried = carried or {}
        self.courier = courier
        self.day = day
        self.last: dict[str, Any] | None = carried.get("last")
        self.carried_last = self.last
        self.resting: dict[str, Any] | None = carried.get("resting")
        self.open_alerts: dict[str, dict[str, Any]] = dict(carried.get("open_alerts") or {})
        self.episodes: dict[str, int] = {}
        self.received = 0
        self.accepted = 0
        self.rejected: dict[str, int] = {}
        # First ping time (epoch seconds) and event version of each batch that accepted pings.
        self.batch_starts = array("d")
        self.batch_versions = array("q")
        self.route: list[list[float]] = []
        self.stops: list[list[float]] = []
        self.plan: str | None = None

    @property
    def last_ping_at(self) -> datetime | None:
        return self.last["at"] if self.last is not None else None

    def carry_over(self) -> dict[str, Any]:
        """What the next day's track starts from."""
        return {"last": self.last, "resting": self.resting, "open_alerts": dict(self.open_alerts)}

    # -- commands: check, then record -------------------------------------------------------

    def report(
        self, readings: Sequence[dict[str, Any] | BadPing], rules: PingRules, anomaly_rules: AnomalyRules,
        stops: Sequence[Sequence[float]] = (),
    ) -> BatchOutcome:
        """Accept what can be believed (see `read_pings`), count the rest by reason, then raise or end
        alert episodes. `stops` are places beyond the planned stops where waiting is expected."""
        accepted: list[dict[str, Any]] = []
        rejected: dict[str, int] = {}
        last = self.last
        for reading in readings:
            if isinstance(reading, BadPing):
                reason = reading.reason
            else:
                try:
                    judge(reading, last, rules)
                except BadPing as bad:
                    reason = bad.reason
                else:
                    accepted.append(reading)
                    last = reading
                    continue
            rejected[reason] = rejected.get(reason, 0) + 1
        received = len(readings)
        geometry = RouteGeometry(self.route, [*self.stops, *stops])
        changes, resting = watch_pings(
            accepted, self.last, self.open_alerts, self.resting, geometry, anomaly_rules,
        )
        self._positions_reported(received=received, accepted=tuple(accepted), rejected=rejected, resting=resting)
        for change in changes:
            self._record_alert(change)
        return BatchOutcome(received, len(accepted), rejected, tuple(changes))

    def check_stale(self, now: datetime, on_shift_since: datetime, rules: AnomalyRules) -> AlertChange | None:
        change = stale_change(now, self.last_ping_at, on_shift_since, self.open_alerts, rules)
        if change is not None:
            self._record_alert(change)
        return change

    def end_stale_alert(self, at: datetime, reason: str) -> AlertChange | None:
        """A courier who is off shift is no longer missing."""
        if STALE not in self.open_alerts:
            return None
        change = AlertChange(STALE, False, at, {"reason": reason})
        self._record_alert(change)
        return change

    def set_route(self, route: Sequence[Sequence[float]], stops: Sequence[Sequence[float]], plan: str | None) -> None:
        self._route_set(
            route=tuple((float(lat), float(lon)) for lat, lon in route),
            stops=tuple((float(lat), float(lon)) for lat, lon in stops),
            plan=plan,
        )

    def _record_alert(self, change: AlertChange) -> None:
        if change.raised:
            number = self.episodes.get(change.kind, 0) + 1
            alert = f"{self.courier}/{self.day}/{change.kind}/{number}"
            getattr(self, RAISED_BY[change.kind])(alert=alert, at=change.at, **change.details)
        else:
            alert = self.open_alerts[change.kind]["alert"]
            getattr(self, ENDED_BY[change.kind])(alert=alert, at=change.at, **change.details)

    # -- reading: where was the courier -------------------------------------------------------

    def batch_version_at(self, moment: datetime) -> tuple[int | None, int | None]:
        """Versions of the batch holding the last ping at or before `moment`, and of the next batch."""
        i = bisect_right(self.batch_starts, moment.timestamp())
        before = self.batch_versions[i - 1] if i > 0 else None
        after = self.batch_versions[i] if i < len(self.batch_versions) else None
        return before, after

    # -- events: the only way state changes ----------------------------------------------------

    @event("PositionsReported")
    def _positions_reported(
        self, received: int, accepted: tuple[dict[str, Any], ...], rejected: dict[str, int],
        resting: dict[str, Any] | None,
    ) -> None:
        self.received += received
        self.accepted += len(accepted)
        for reason, count in rejected.items():
            self.rejected[reason] = self.rejected.get(reason, 0) + count
        if accepted:
            self.last = dict(accepted[-1])
            self.batch_starts.append(accepted[0]["at"].timestamp())
            self.batch_versions.append(self.version + 1)  # this event's version
        self.resting = dict(resting) if resting is not None else None

    @event("PlannedRouteSet")
    def _route_set(self, route: tuple[tuple[float, float], ...], stops: tuple[tuple[float, float], ...],
                   plan: str | None) -> None:
        self.route = [list(point) for point in route]
        self.stops = [list(point) for point in stops]
        self.plan = plan

    def _opened(self, kind: str, alert: str, at: datetime, **details: Any) -> None:
        self.episodes[kind] = self.episodes.get(kind, 0) + 1
        self.open_alerts[kind] = {"alert": alert, "since": at, **details}

    @event("StalePositionDetected")
    def _stale_detected(self, alert: str, at: datetime, last_seen_at: datetime | None, silent_seconds: float) -> None:
        self._opened(STALE, alert, at, last_seen_at=last_seen_at)

    @event("StalePositionEnded")
    def _stale_ended(self, alert: str, at: datetime, silent_seconds: float | None = None, reason: str = "ping") -> None:
        self.open_alerts.pop(STALE, None)

    @event("OffRouteDetected")
    def _off_route_detected(self, alert: str, at: datetime, lat: float, lon: float, distance_m: float,
                            limit_m: float) -> None:
        self._opened(OFF_ROUTE, alert, at)

    @event("OffRouteEnded")
    def _off_route_ended(self, alert: str, at: datetime, distance_m: float) -> None:
        self.open_alerts.pop(OFF_ROUTE, None)

    @event("IdleAwayFromStopDetected")
    def _idle_detected(self, alert: str, at: datetime, lat: float, lon: float, since: datetime,
                       idle_seconds: float, nearest_stop_m: float | None) -> None:
        self._opened(IDLE, alert, at)

    @event("IdleAwayFromStopEnded")
    def _idle_ended(self, alert: str, at: datetime, idle_seconds: float) -> None:
        self.open_alerts.pop(IDLE, None)

    @event("SpeedingDetected")
    def _speeding_detected(self, alert: str, at: datetime, lat: float, lon: float, speed_kmh: float,
                           limit_kmh: float) -> None:
        self._opened(SPEEDING, alert, at)

    @event("SpeedingEnded")
    def _speeding_ended(self, alert: str, at: datetime, speed_kmh: float) -> None:
        self.open_alerts.pop(SPEEDING, None)


# The event method that starts and the one that ends an episode of each kind.
RAISED_BY = {
    STALE: "_stale_detected", OFF_ROUTE: "_off_route_detected", IDLE: "_idle_detected", SPEEDING: "_speeding_detected",
}
ENDED_BY = {STALE: "_stale_ended", OFF_ROUTE: "_off_route_ended", IDLE: "_idle_ended", SPEEDING: "_speeding_ended"}


def ping_at_or_before(pings: Sequence[dict[str, Any]], moment: datetime) -> dict[str, Any] | None:
    """The last ping of a batch (time-ordered) at or before `moment`."""
    found = None
    for ping in pings:
        if ping["at"] > moment:
            break
        found = ping
    return found
