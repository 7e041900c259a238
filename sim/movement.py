"""How simulated couriers move: leg times from the planner's own travel model, slowed by the day's real
traffic and weather and by chance, ridden along grid-like streets so their pings measure road distance."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from sim.city import METRES_PER_DEGREE, RUSH_HOURS, TIMEZONE, VEHICLE_TYPES, rng_for
from sim.inputs import Incident, Weather
from solver import GreatCircleTravel, Point
from solver.geo import haversine_m

BIKES = ("e-bike", "tricycle")
NOISE_SIGMA = 0.12  # a leg takes its modelled time times a log-normal factor of this spread
FASTEST_SHARE = 0.9  # no leg beats the model by more than this: speed limits hold


@dataclass(frozen=True)
class Place:
    ref: str  # an order number, or a warehouse code
    lat: float
    lon: float


@dataclass(frozen=True)
class Leg:
    """A ride from one place to another between two moments, first along the north-south street, then east-west."""

    start: datetime
    end: datetime
    origin: Place
    destination: Place

    @property
    def metres(self) -> float:
        north, east = _offsets(self.origin, self.destination)
        return abs(north) + abs(east)

    def position(self, at: datetime) -> tuple[float, float]:
        if at >= self.end:
            return self.destination.lat, self.destination.lon
        if at <= self.start:
            return self.origin.lat, self.origin.lon
        north, east = _offsets(self.origin, self.destination)
        done = (at - self.start) / (self.end - self.start) * (abs(north) + abs(east))
        lat, lon = self.origin.lat, self.origin.lon
        along_north = min(done, abs(north))
        lat += math.copysign(along_north, north) / METRES_PER_DEGREE
        if done > abs(north):
            lon += math.copysign(done - abs(north), east) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
        return lat, lon

    def speed_ms(self) -> float:
        seconds = (self.end - self.start).total_seconds()
        return self.metres / seconds if seconds > 0 else 0.0


def _offsets(a: Place, b: Place) -> tuple[float, float]:
    north = (b.lat - a.lat) * METRES_PER_DEGREE
    east = (b.lon - a.lon) * METRES_PER_DEGREE * math.cos(math.radians((a.lat + b.lat) / 2))
    return north, east


class Road:
    """The day's streets: the time each leg takes a given courier, as the solver models it and as it really goes."""

    def __init__(self, seed: int, detour_factor: float, weather: Sequence[Weather], incidents: Sequence[Incident]):
        self.seed = seed
        self.detour_factor = detour_factor
        self.weather = [(datetime.fromisoformat(w.start), datetime.fromisoformat(w.end), w) for w in weather]
        self.incidents = [(datetime.fromisoformat(i.start), datetime.fromisoformat(i.end), i) for i in incidents]
        self.speeds = {name: (float(cruise), float(rush) if rush else None)
                       for name, _, _, cruise, _, _, _, _, _, rush in VEHICLE_TYPES}

    def kmh(self, vehicle_type: str, at: datetime) -> float:
        """The vehicle type's own speed at that hour, as the shop recorded it (cruise, or its rush-hour band)."""
        cruise, rush = self.speeds[vehicle_type]
        clock = f"{at.astimezone(TIMEZONE):%H:%M}"
        if rush is not None and any(start <= clock < end for start, end in RUSH_HOURS):
            return rush
        return cruise

    def modelled_seconds(self, vehicle_type: str, origin: Place, destination: Place, at: datetime) -> float:
        travel = GreatCircleTravel(detour_factor=self.detour_factor, speeds_kmh={vehicle_type: self.kmh(vehicle_type, at)})
        _, duration = travel.matrices([Point.geo(origin.lat, origin.lon), Point.geo(destination.lat, destination.lon)],
                                      vehicle_type)
        return float(duration[0, 1])

    def slowdown(self, vehicle_type: str, destination: Place, at: datetime) -> float:
        """How much slower than the model the street really is: rain, and any jam around where the leg ends."""
        factor = 1.0
        for start, end, spell in self.weather:
            if start <= at < end:
                factor *= spell.bike_factor if vehicle_type in BIKES else spell.van_factor
        jam = 1.0
        for start, end, incident in self.incidents:
            if start <= at < end and haversine_m(destination.lat, destination.lon, incident.lat, incident.lon) \
                    <= incident.radius_m:
                jam = max(jam, incident.factor)
        return factor * jam

    def ride(self, courier: str, vehicle_type: str, origin: Place, destination: Place, at: datetime) -> Leg:
        seconds = self.modelled_seconds(vehicle_type, origin, destination, at)
        chance = rng_for(self.seed, "leg", courier, origin.ref, destination.ref).lognormvariate(0.0, NOISE_SIGMA)
        seconds *= self.slowdown(vehicle_type, destination, at) * max(chance, FASTEST_SHARE)
        return Leg(at, at + timedelta(seconds=round(seconds, 3)), origin, destination)
