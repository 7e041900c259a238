"""A simulated day's inputs: what the world does whatever the shop decides.

Orders placed (who, what, where, when, the promise and how long the warehouse takes to pick
and pack them), how each customer behaves (away from home for a while, a wrong address, their
patience with a late delivery, whether they rate or send goods back), and the weather and
traffic incidents of the day. Decisions (plans, assignments, notices) are not here: they are
what a run computes from these inputs, so a what-if can replay the inputs and recompute them.
Inputs are plain data and round-trip through JSON, so a recorded day carries its own.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
import numpy as np

from sim.city import City, CitySpec, rng_for, sku_weights
from sim.history import HOME_WORKDAY, OFFICE_WORKDAY, REST_DAY

ORDERING_HOURS = (8, 21)  # the shop takes orders from 08:00 until 21:00
WEEKEND_UPLIFT = {5: 1.15, 6: 1.10}  # Saturday and Sunday sell more than a weekday
LINE_COUNTS = (0.45, 0.28, 0.15, 0.08, 0.04)
QUANTITIES = (0.75, 0.18, 0.07)
PROMISES_MIN = ((60, 0.35), (120, 0.65))  # express within the hour, standard within two


@dataclass(frozen=True)
class Customer:
    """How the customer behind one order behaves; drawn once, so every replay meets the same person."""

    away_from: str | None = None  # ISO moment they step out (None: home all day)
    away_until: str | None = None
    wrong_address: bool = False
    patience_min: float = 20.0  # minutes past the promised window before a late delivery angers them
    complains: float = 0.5  # a draw in [0, 1): compared with how likely this customer is to complain
    rates: bool = False
    rating_draw: float = 0.5
    rates_after_min: float = 30.0
    returns: bool = False
    returns_after_min: float = 120.0


@dataclass(frozen=True)
class OrderInput:
    number: str
    placed_at: str  # ISO moment
    customer: str
    lat: float
    lon: float
    lines: tuple[tuple[str, int], ...]
    promise_min: int
    needs_code: bool
    pick_min: float
    pack_min: float
    behaviour: Customer = field(default_factory=Customer)

    @property
    def placed(self) -> datetime:
        return datetime.fromisoformat(self.placed_at)

    @property
    def window_end(self) -> datetime:
        return self.placed + timedelta(minutes=self.promise_min)


@dataclass(frozen=True)
class Weather:
    """A rain spell: bikes slow more than vans; the shop hears of it and reports it as traffic everywhere."""

    start: str
    end: str
    bike_factor: float
    van_factor: float
    reported_factor: float
    report_lag_min: float


@dataclass(frozen=True)
class Incident:
    """A jam around a point: legs ending within its radius take longer; reported to the shop late."""

    lat: float
    lon: float
    radius_m: float
    start: str
    end: str
    factor: float
    report_lag_min: float


@dataclass(frozen=True)
class DayInputs:
    seed: int
    day: str
    orders: tuple[OrderInput, ...]
    weather: tuple[Weather, ...]
    incidents: tuple[Incident, ...]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "DayInputs":
        raw = json.loads(text)
        return cls(
            seed=raw["seed"], day=raw["day"],
            orders=tuple(OrderInput(**{**o, "lines": tuple(tuple(line) for line in o["lines"]),
                                       "behaviour": Customer(**o["behaviour"])}) for o in raw["orders"]),
            weather=tuple(Weather(**w) for w in raw["weather"]),
            incidents=tuple(Incident(**i) for i in raw["incidents"]),
        )

    def shifted(self, offset: timedelta) -> "DayInputs":
        """The same day happening `offset` later (a live day starts when it is started)."""
        def later(moment: str | None) -> str | None:
            return None if moment is None else (datetime.fromisoformat(moment) + offset).isoformat()

        return replace(
            self,
            orders=tuple(replace(o, placed_at=later(o.placed_at), behaviour=replace(
                o.behaviour, away_from=later(o.behaviour.away_from), away_until=later(o.behaviour.away_until)))
                for o in self.orders),
            weather=tuple(replace(w, start=later(w.start), end=later(w.end)) for w in self.weather),
            incidents=tuple(replace(i, start=later(i.start), end=later(i.end)) for i in self.incidents),
        )

    def save(self, path: Path) -> None:
        path.write_text(self.to_json())

    @classmethod
    def load(cls, path: Path) -> "DayInputs":
        return cls.from_json(path.read_text())


def orders_of_the_day(spec: CitySpec) -> int:
    """The day's order count: the spec's weekday figure, with the weekend's uplift."""
    return int(round(spec.orders * WEEKEND_UPLIFT.get(spec.day.weekday(), 1.0)))


def order_number(spec: CitySpec, n: int) -> str:
    """The day's n-th order (from 1): `SIM-MMDD-nnnnn`, apart from the demo's `DEMO-nnnn` and any other day's."""
    return f"SIM-{spec.day:%m%d}-{n:05d}"


def arrival_shape(weekday: int) -> np.ndarray:
    """Relative orders per hour of the day: lunch and evening peaks on workdays, a later flatter day at weekends."""
    if weekday >= 5:
        shape = np.asarray(REST_DAY, dtype=float)
    else:
        shape = 0.5 * np.asarray(OFFICE_WORKDAY, dtype=float) + 0.5 * np.asarray(HOME_WORKDAY, dtype=float)
    open_from, open_until = ORDERING_HOURS
    shape[:open_from] = 0.0
    shape[open_until:] = 0.0
    return shape / shape.sum()


def generate_inputs(city: City) -> DayInputs:
    """The day's inputs for a city: they depend on its customers and catalogue, never on its fleet, zones or shifts."""
    spec = city.spec
    rng = np.random.default_rng([spec.seed, 8008])
    count = orders_of_the_day(spec)
    midnight = spec.local("00:00")
    shape = arrival_shape(spec.day.weekday())
    hours = rng.choice(24, size=count, p=shape)
    seconds = np.sort(hours * 3600 + rng.uniform(0, 3600, size=count))
    loyalty = rng.pareto(1.5, size=len(city.residents)) + 1.0
    who = rng.choice(len(city.residents), size=count, p=loyalty / loyalty.sum())
    weights = sku_weights(len(city.catalogue))  # the city stocks its warehouses by the same popularity
    orders = []
    for n in range(count):
        resident = city.residents[int(who[n])]
        basket: dict[str, int] = {}
        for _ in range(int(rng.choice(len(LINE_COUNTS), p=LINE_COUNTS)) + 1):
            sku = city.catalogue[int(rng.choice(len(weights), p=weights))].sku
            basket[sku] = basket.get(sku, 0) + int(rng.choice(len(QUANTITIES), p=QUANTITIES)) + 1
        placed = midnight + timedelta(seconds=round(float(seconds[n]), 3))
        number = order_number(spec, n + 1)
        draw = rng_for(spec.seed, "order", number)
        promise = PROMISES_MIN[0][0] if draw.random() < PROMISES_MIN[0][1] else PROMISES_MIN[1][0]
        orders.append(OrderInput(
            number=number, placed_at=placed.isoformat(), customer=resident.reference, lat=resident.lat,
            lon=resident.lon, lines=tuple(basket.items()), promise_min=promise, needs_code=draw.random() < 0.1,
            pick_min=round(draw.lognormvariate(math.log(3.0), 0.35), 2),
            pack_min=round(draw.lognormvariate(math.log(1.5), 0.3), 2),
            behaviour=_customer(spec.seed, number, placed),
        ))
    return DayInputs(seed=spec.seed, day=spec.day.isoformat(), orders=tuple(orders),
                     weather=_weather(spec), incidents=_incidents(spec, city))


def _customer(seed: int, number: str, placed: datetime) -> Customer:
    draw = rng_for(seed, "customer", number)
    away_from = away_until = None
    if draw.random() < 0.07:
        leaves = placed + timedelta(minutes=draw.uniform(10, 120))
        away_from = leaves.isoformat()
        away_until = (leaves + timedelta(minutes=draw.uniform(20, 90))).isoformat()
    return Customer(
        away_from=away_from, away_until=away_until, wrong_address=draw.random() < 0.01,
        patience_min=round(draw.uniform(5, 45), 1), complains=draw.random(),
        rates=draw.random() < 0.35, rating_draw=draw.random(), rates_after_min=round(draw.uniform(5, 180), 1),
        returns=draw.random() < 0.03, returns_after_min=round(draw.uniform(60, 300), 1),
    )


def _weather(spec: CitySpec) -> tuple[Weather, ...]:
    draw = rng_for(spec.seed, "weather", spec.day)
    if draw.random() >= 0.5:
        return ()
    start = spec.local("10:00") + timedelta(minutes=draw.uniform(0, 9 * 60))
    end = start + timedelta(minutes=draw.uniform(60, 180))
    heavy = draw.uniform(1.2, 1.4)
    return (Weather(start.isoformat(), end.isoformat(), round(heavy, 3), round(1 + (heavy - 1) / 2, 3),
                    1.25, round(draw.uniform(0, 10), 1)),)


def _incidents(spec: CitySpec, city: City) -> tuple[Incident, ...]:
    draw = rng_for(spec.seed, "incidents", spec.day)
    incidents = []
    for _ in range(2 + len(city.sites)):
        near = city.residents[draw.randrange(len(city.residents))]
        start = spec.local("09:00") + timedelta(minutes=draw.uniform(0, 11 * 60))
        incidents.append(Incident(
            lat=near.lat, lon=near.lon, radius_m=1_500.0, start=start.isoformat(),
            end=(start + timedelta(minutes=draw.uniform(30, 90))).isoformat(), factor=round(draw.uniform(1.5, 2.2), 2),
            report_lag_min=round(draw.uniform(3, 12), 1),
        ))
    return tuple(sorted(incidents, key=lambda i: i.start))

