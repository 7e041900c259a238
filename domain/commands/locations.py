"""Commands on couriers' live positions: batched ping ingestion, planned routes, the stale-position watch,
and the auditor's question "where was this courier at that moment"."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo

from domain import validation as v
from domain.anomalies import STALE, AnomalyRules
from domain.couriers import Courier
from domain.errors import InvalidInput
from domain.execution import CommandResult, CommandRunner
from domain.locations import BadPing, CourierTrack, PingRules, ping_at_or_before, read_pings
from domain.vehicles import Vehicle, VehicleType
from domain.warehouses import WarehouseNetwork

MAX_ROUTE_POINTS = 10_000


@lru_cache(maxsize=8)
def _timezone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class LocationCommands(CommandRunner):
    def report_positions(
        self,
        courier: str,
        pings: Sequence[Any],
        max_speed_kmh: float | None = None,
        speed_limit_kmh: float | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self.report_positions_batch(
            [(courier, pings)], max_speed_kmh=max_speed_kmh, speed_limit_kmh=speed_limit_kmh,
            idempotency_key=idempotency_key,
        )

    def report_positions_batch(
        self,
        reports: Sequence[tuple[str, Sequence[Any]]],
        max_speed_kmh: float | Mapping[str, float] | None = None,
        speed_limit_kmh: float | Mapping[str, float] | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Many couriers' batches of pings in one save (one fsync for a whole city's upload).

        Bad pings are counted by reason on the batch's event, never refused: a phone's stream must
        not stop because one fix was wrong. `max_speed_kmh` is what no courier can physically reach
        (default from the settings); `speed_limit_kmh` is what counts as speeding (default: the
        maximum of the vehicle type the courier's running shift uses). Either is one figure for all,
        or per courier.

        A batch that spans midnight is split between the two days' tracks; pings too broken to have
        a day are counted on today's.
        """

        def body():  # type: ignore[no-untyped-def]
            if not reports:
                raise InvalidInput("a report needs at least one courier's pings", field="reports")
            now = self.clock.now()
            stops = self._waiting_places()
            tracks: dict[tuple[str, date], CourierTrack] = {}
            totals = {"couriers": 0, "received": 0, "accepted": 0}
            rejected: dict[str, int] = {}
            alerts: list[dict[str, Any]] = []
            for i, report in enumerate(reports):
                courier, pings = _report(report, i)
                rules = PingRules.from_settings(self.settings, now, _for(max_speed_kmh, courier))
                anomaly_rules = AnomalyRules.from_settings(
                    self.settings, _for(speed_limit_kmh, courier) or self._speed_limit(courier),
                )
                today = self.business_day(now)
                by_day: dict[date, list[dict[str, Any] | BadPing]] = {}
                for reading in read_pings(pings, rules):
                    day = today if isinstance(reading, BadPing) else self.business_day(reading["at"])
                    by_day.setdefault(day, []).append(reading)
                totals["couriers"] += 1
                for day, readings in sorted(by_day.items()):
                    track = tracks.get((courier, day)) or self._track(courier, day, tracks)
                    tracks[(courier, day)] = track
                    outcome = track.report(readings, rules, anomaly_rules, stops)
                    totals["received"] += outcome.received
                    totals["accepted"] += outcome.accepted
                    for reason, count in outcome.rejected.items():
                        rejected[reason] = rejected.get(reason, 0) + count
                    alerts.extend(
                        {"courier": courier, "kind": c.kind, "raised": c.raised, "at": c.at.isoformat()}
                        for c in outcome.alerts
                    )
            return list(tracks.values()), {**totals, "rejected": rejected, "alerts": alerts}

        return self.run_command("reportPositions", body, idempotency_key)

    def set_planned_route(
        self,
        courier: str,
        route: Sequence[Sequence[float]],
        stops: Sequence[Sequence[float]] = (),
        day: date | None = None,
        plan: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """The route the courier is expected to follow today, as (lat, lon) points; off-route alerts
        measure from it. The route planner will call this; until then, anyone may."""

        def body():  # type: ignore[no-untyped-def]
            who = v.text(courier, "courier", max_length=64)
            if not 1 <= len(route) <= MAX_ROUTE_POINTS:
                raise InvalidInput(f"a route has 1 to {MAX_ROUTE_POINTS} points", field="route")
            points = [v.coordinates(*_pair(p, f"route.{i}"), f"route.{i}") for i, p in enumerate(route)]
            places = [v.coordinates(*_pair(p, f"stops.{i}"), f"stops.{i}") for i, p in enumerate(stops)]
            on = day or self.business_day(self.clock.now())
            track = self._track(who, on)
            track.set_route(points, places, v.text(plan, "plan", required=False) if plan is not None else None)
            return [track], {"courier": who, "day": on.isoformat(), "points": len(points), "stops": len(places)}

        return self.run_command("setPlannedRoute", body, idempotency_key)

    def check_stale_positions(self, couriers: Sequence[str], idempotency_key: str | None = None) -> CommandResult:
        """Raise a stale-position alert for each courier on shift (and not on a break) who has sent no
        position for longer than the settings allow; end it for those now off shift. A worker calls
        this periodically with the couriers it knows of; unknown ones are reported, not refused."""

        def body():  # type: ignore[no-untyped-def]
            now = self.clock.now()
            rules = AnomalyRules.from_settings(self.settings)
            day = self.business_day(now)
            changed: list[CourierTrack] = []
            raised, ended, unknown = [], [], []
            for i, reference in enumerate(dict.fromkeys(couriers)):
                who = v.text(reference, f"couriers.{i}", max_length=64)
                courier = self.get_or_none(Courier.create_id(who))
                if courier is None:
                    unknown.append(who)
                    continue
                shift = courier.shift_in_progress
                if shift is None or shift.break_since is not None:
                    # Not expected to report: end a silence alert where it is open, open nothing new.
                    track = self.get_or_none(CourierTrack.create_id(who, day)) or self.get_or_none(
                        CourierTrack.create_id(who, day - timedelta(days=1)))
                    if track is not None and track.end_stale_alert(
                            now, "on a break" if shift is not None else "off shift") is not None:
                        ended.append(who)
                        changed.append(track)
                    continue
                track = self._track(who, day)
                if track.check_stale(now, shift.started_at or shift.start, rules) is not None:
                    raised.append(track.open_alerts[STALE]["alert"])
                    changed.append(track)
            return changed, {"checked": len(couriers), "raised": raised, "ended": ended, "unknown": unknown}

        return self.run_command("checkStalePositions", body, idempotency_key)

    # -- reading -----------------------------------------------------------------------------

    def position_at(self, courier: str, moment: datetime) -> dict[str, Any] | None:
        """Where the courier was at `moment`, from the stored pings: exact at a ping, interpolated in a
        straight line between the pings either side, or the last known position if none came after.
        None if the courier had sent nothing that day (or the day before) up to that moment."""
        if moment.tzinfo is None:
            raise InvalidInput("the moment must carry a timezone", field="moment")
        day = self.business_day(moment)
        track = self.get_or_none(CourierTrack.create_id(courier, day))
        if track is None:
            # Nothing that day: the day before may still say where the courier was last seen.
            track = self.get_or_none(CourierTrack.create_id(courier, day - timedelta(days=1)))
            if track is None or track.last is None or track.last["at"] > moment:
                return None
            return _answer(courier, moment, track.last, None)
        before_version, after_version = track.batch_version_at(moment)
        before = nxt = None
        if before_version is None:
            before = track.carried_last if track.carried_last and track.carried_last["at"] <= moment else None
        else:
            pings = self._accepted_pings(track, before_version)
            before = ping_at_or_before(pings, moment)
            nxt = next((p for p in pings if p["at"] > moment), None)
        if before is None:
            return None
        if nxt is None and after_version is not None:
            nxt = self._accepted_pings(track, after_version)[0]
        if nxt is None:  # the next ping may be the first of the next day
            following = self.get_or_none(CourierTrack.create_id(courier, day + timedelta(days=1)))
            if following is not None and following.batch_versions:
                nxt = self._accepted_pings(following, following.batch_versions[0])[0]
        return _answer(courier, moment, before, nxt)

    def courier_track(self, courier: str, day: date) -> CourierTrack | None:
        return self.get_or_none(CourierTrack.create_id(courier, day))

    def business_day(self, moment: datetime) -> date:
        return moment.astimezone(_timezone(self.settings.business_timezone)).date()

    # -- helpers -----------------------------------------------------------------------------

    def _track(
        self, courier: str, day: date, pending: Mapping[tuple[str, date], CourierTrack] | None = None
    ) -> CourierTrack:
        """The courier's track for the day, opened on first use from where the day before ended
        (`pending` holds tracks this command opened and has not saved yet)."""
        track = self.get_or_none(CourierTrack.create_id(courier, day))
        if track is None:
            yesterday = day - timedelta(days=1)
            before = (pending or {}).get((courier, yesterday)) or self.get_or_none(
                CourierTrack.create_id(courier, yesterday))
            track = CourierTrack(courier, day.isoformat(), before.carry_over() if before is not None else None)
        return track

    def _accepted_pings(self, track: CourierTrack, version: int) -> list[dict[str, Any]]:
        (batch,) = self.events.get(track.id, gt=version - 1, lte=version)
        return list(batch.accepted)

    def _speed_limit(self, courier: str) -> float | None:
        """The top speed of the vehicle type on the courier's running shift, if that is known."""
        found = self.get_or_none(Courier.create_id(courier))
        shift = found.shift_in_progress if found is not None else None
        if shift is None or shift.vehicle is None:
            return None
        vehicle = self.get_or_none(Vehicle.create_id(shift.vehicle))
        kind = self.get_or_none(VehicleType.create_id(vehicle.vehicle_type)) if vehicle is not None else None
        return float(kind.max_kmh) if kind is not None else None

    def _waiting_places(self) -> list[tuple[float, float]]:
        """Where couriers wait by design besides their stops: the warehouses."""
        network = self.get_or_none(WarehouseNetwork.create_id())
        return list(network.sites.values()) if network is not None else []


def _answer(courier: str, moment: datetime, before: dict[str, Any], nxt: dict[str, Any] | None) -> dict[str, Any]:
    answer = {"courier": courier, "at": moment, "ping_at": before["at"], "accuracy": before["accuracy"]}
    if before["at"] == moment or nxt is None:
        source = "ping" if before["at"] == moment else "last_known"
        return {**answer, "lat": before["lat"], "lon": before["lon"], "source": source, "next_ping_at": None}
    share = (moment - before["at"]) / (nxt["at"] - before["at"])
    return {
        **answer,
        "lat": before["lat"] + (nxt["lat"] - before["lat"]) * share,
        "lon": before["lon"] + (nxt["lon"] - before["lon"]) * share,
        "source": "interpolated", "next_ping_at": nxt["at"],
    }


def _report(report: Any, i: int) -> tuple[str, Sequence[Any]]:
    """One courier's part of an upload: (courier, pings); the pings themselves are judged one by one."""
    if not isinstance(report, (tuple, list)) or len(report) != 2:
        raise InvalidInput("each report is (courier, pings)", field=f"reports.{i}")
    courier, pings = report
    if not isinstance(pings, (tuple, list)):
        raise InvalidInput("pings come as a list", field=f"reports.{i}.pings")
    return v.text(courier, f"reports.{i}.courier", max_length=64), pings


def _for(value: float | Mapping[str, float] | None, courier: str) -> float | None:
    if isinstance(value, Mapping):
        return value.get(courier)
    return value


def _pair(point: Any, field: str) -> tuple[Any, Any]:
    try:
        lat, lon = point
    except (TypeError, ValueError):
        raise InvalidInput("a point is a (lat, lon) pair", field=field) from None
    return lat, lon
