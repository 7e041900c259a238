"""How many couriers on which vehicles each zone needs each hour, and where the planned shifts fall short or over.

The model:

* **Rates.** A courier on vehicle type ``v`` in zone ``z`` delivers ``r[z, v]`` orders an hour: the mean of the
  rates measured for couriers there on that type; a type never measured in a zone gets its mean over the
  zones where it was (a new zone still gets staffed), and a type never measured anywhere is not used.
* **Demand.** The orders to cover in zone ``z`` and hour ``h``: by default the upper bound of the forecast's
  80% band, so that in about nine hours out of ten the couriers on shift are enough.
* **Cheapest cover.** For each hour, integers ``n[z, v] >= 0`` couriers per zone and type with
  ``sum_v r[z, v] * n[z, v] >= d[z]`` in every zone, at most ``available[v]`` vehicles of a type on the road
  over all zones and at most ``couriers_available`` couriers in all, minimising ``sum cost[v] * n[z, v]``.
  Every courier costs something, so the cheapest staffing gives each zone a *minimal crew*: one that
  covers the zone and would not without any one of its couriers. Without limits (or when the zones'
  cheapest crews happen to keep within them) each zone simply gets its cheapest minimal crew, which is
  optimal because the limits can only raise the cost. Otherwise a 0-1 program picks one minimal crew per
  zone within the limits (``scipy.optimize.milp``, HiGHS): its relaxation is much tighter than that of the
  couriers-per-type program, which HiGHS can take minutes to prove on twenty zones.
  When the couriers or vehicles available cannot cover an hour, its uncovered orders are made as few as
  possible first, then the cost.
* **Gaps.** A planned shift counts for the part of each hour it covers, at the courier's own measured rate
  where there is one. An hour is **short** when the planned couriers' capacity is below the demand, and
  **over** when it would still cover the demand without the least productive planned courier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from solver.forecast import Forecast

SHORT = "short"
OVER = "over"
MAX_CREWS = 50_000  # candidate crews in one hour beyond which the couriers-per-type program is used instead
SOLVE_SECONDS = 5.0  # per integer program; a plan says whether every hour was proven cheapest


@dataclass(frozen=True)
class CourierProductivity:
    """A courier's measured deliveries per hour in a zone on a vehicle type."""

    courier: str
    zone: str
    vehicle_type: str
    deliveries_per_hour: float


@dataclass(frozen=True)
class VehicleOption:
    """A vehicle type a courier can ride: its cost per hour on shift (courier and vehicle together) and how
    many can be on the road at once over all zones (``None``: no limit)."""

    vehicle_type: str
    cost_per_hour: float
    available: int | None = None

    def __post_init__(self) -> None:
        if self.cost_per_hour <= 0:
            raise ValueError(f"a courier on a {self.vehicle_type} costs something, not {self.cost_per_hour}")
        if self.available is not None and self.available < 0:
            raise ValueError(f"{self.available} {self.vehicle_type}s cannot be available")


@dataclass(frozen=True)
class StaffingSlot:
    """The recommendation for one zone and hour: couriers per vehicle type, the orders they can deliver,
    their cost, and the orders no available courier could take (0 when covered)."""

    zone: str
    hour: datetime
    demand: float
    couriers: tuple[tuple[str, int], ...]
    capacity: float
    cost: float
    shortfall: float

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.couriers)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.couriers)


@dataclass(frozen=True)
class StaffingPlan:
    """Couriers per zone, hour and vehicle type from ``start`` for ``hours`` hours, with the rates it
    assumed (per zone and type, and per courier as measured); ``proven_cheapest`` is false only when an
    integer program ran out of time (``SOLVE_SECONDS``) before proving its answer the cheapest."""

    start: datetime
    hours: int
    zones: tuple[str, ...]
    demand_band: str
    slots: tuple[StaffingSlot, ...]
    rates: Mapping[tuple[str, str], float]
    courier_rates: Mapping[tuple[str, str, str], float]
    proven_cheapest: bool

    @property
    def covered(self) -> bool:
        return all(slot.shortfall <= 1e-9 for slot in self.slots)

    @property
    def cost(self) -> float:
        return sum(slot.cost for slot in self.slots)

    def slot(self, zone: str, hour: int) -> StaffingSlot:
        return self.slots[hour * len(self.zones) + self.zones.index(zone)]

    def couriers(self, zone: str) -> np.ndarray:
        """Couriers on shift in ``zone``, hour by hour."""
        return np.array([self.slot(zone, h).total for h in range(self.hours)])


@dataclass(frozen=True)
class PlannedShift:
    """A shift already on the roster: a courier on a vehicle type in a zone from ``start`` to ``end``."""

    courier: str
    zone: str
    vehicle_type: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class StaffingGap:
    """A zone and hour where the roster is ``short`` (``orders`` uncovered) or ``over`` (``orders`` of spare
    capacity, at least one courier's worth)."""

    zone: str
    hour: datetime
    status: str
    demand: float
    planned_capacity: float
    planned_couriers: float
    recommended_couriers: int
    orders: float


def productivity_rates(productivity: Sequence[CourierProductivity]) -> dict[tuple[str, str], float]:
    """Mean measured deliveries per hour per (zone, vehicle type)."""
    measured: dict[tuple[str, str], list[float]] = {}
    for p in productivity:
        if p.deliveries_per_hour < 0:
            raise ValueError(f"courier {p.courier} has a negative rate in {p.zone} on {p.vehicle_type}")
        measured.setdefault((p.zone, p.vehicle_type), []).append(p.deliveries_per_hour)
    return {key: float(np.mean(values)) for key, values in measured.items()}


def recommend_staffing(
    forecast: Forecast,
    productivity: Sequence[CourierProductivity],
    vehicles: Sequence[VehicleOption],
    *,
    cover: float | None = 0.8,
    couriers_available: int | None = None,
) -> StaffingPlan:
    """Staff each zone and hour of ``forecast`` to cover the upper bound of its ``cover`` band (``None``:
    the mean) with the cheapest mix of couriers and vehicles."""
    if cover is None:
        demand, band = forecast.mean(), "mean"
    elif cover in forecast.levels:
        demand, band = forecast.upper(cover), f"upper {cover:.0%}"
    else:
        raise ValueError(f"the forecast has bands {forecast.levels}, not {cover}")
    return staff_demand(
        forecast.start,
        forecast.zone_names,
        demand,
        productivity,
        vehicles,
        couriers_available=couriers_available,
        demand_band=band,
    )


def staff_demand(
    start: datetime,
    zones: Sequence[str],
    demand: np.ndarray,
    productivity: Sequence[CourierProductivity],
    vehicles: Sequence[VehicleOption],
    *,
    couriers_available: int | None = None,
    demand_band: str = "given",
) -> StaffingPlan:
    """Staff the orders ``demand[z, h]`` of zone ``zones[z]`` in the hour ``start + h``."""
    demand = np.asarray(demand, dtype=float)
    zones = tuple(zones)
    if demand.ndim != 2 or demand.shape[0] != len(zones):
        raise ValueError(f"demand must be zones x hours with {len(zones)} rows, got shape {demand.shape}")
    if (demand < 0).any():
        raise ValueError("demand must not be negative")
    if len({v.vehicle_type for v in vehicles}) != len(vehicles):
        raise ValueError("vehicle types must be distinct")
    rates = _zone_rates(zones, productivity, vehicles)
    courier_rates: dict[tuple[str, str, str], list[float]] = {}
    for p in productivity:
        courier_rates.setdefault((p.courier, p.zone, p.vehicle_type), []).append(p.deliveries_per_hour)
    options = [
        (z, v)
        for z in range(len(zones))
        for v in range(len(vehicles))
        if rates.get((zones[z], vehicles[v].vehicle_type), 0) > 0
    ]
    solved: dict[tuple[float, ...], tuple[np.ndarray, np.ndarray, bool]] = {}
    slots = []
    for h in range(demand.shape[1]):
        key = tuple(demand[:, h])
        if key not in solved:
            solved[key] = _staff_hour(demand[:, h], zones, vehicles, rates, options, couriers_available)
        counts, shortfall, _ = solved[key]
        hour = start + timedelta(hours=h)
        for z, zone in enumerate(zones):
            mix = tuple(
                (vehicles[v].vehicle_type, int(counts[i]))
                for i, (zz, v) in enumerate(options)
                if zz == z and counts[i] > 0
            )
            capacity = float(sum(rates[(zone, t)] * n for t, n in mix))
            cost = float(sum(_option(vehicles, t).cost_per_hour * n for t, n in mix))
            slots.append(StaffingSlot(zone, hour, float(demand[z, h]), mix, capacity, cost, float(shortfall[z])))
    return StaffingPlan(
        start,
        demand.shape[1],
        zones,
        demand_band,
        tuple(slots),
        rates,
        {key: float(np.mean(v)) for key, v in courier_rates.items()},
        all(proven for _, _, proven in solved.values()),
    )


def compare_with_planned(
    recommendation: StaffingPlan, planned_shifts: Sequence[PlannedShift]
) -> tuple[StaffingGap, ...]:
    """The zones and hours of the recommendation where the planned shifts are short or over, in time order."""
    zone_index = {z: i for i, z in enumerate(recommendation.zones)}
    capacity = np.zeros((len(zone_index), recommendation.hours))
    heads = np.zeros_like(capacity)
    weakest = np.full_like(capacity, math.inf)
    for shift in planned_shifts:
        if shift.zone not in zone_index or shift.end <= shift.start:
            continue
        rate = recommendation.courier_rates.get(
            (shift.courier, shift.zone, shift.vehicle_type),
            recommendation.rates.get((shift.zone, shift.vehicle_type), 0.0),
        )
        first = max(0, math.floor((shift.start - recommendation.start).total_seconds() / 3600))
        last = min(recommendation.hours, math.ceil((shift.end - recommendation.start).total_seconds() / 3600))
        z = zone_index[shift.zone]
        for h in range(first, last):
            hour_start = recommendation.start + timedelta(hours=h)
            overlap = (
                min(shift.end, hour_start + timedelta(hours=1)) - max(shift.start, hour_start)
            ).total_seconds() / 3600
            if overlap <= 0:
                continue
            capacity[z, h] += overlap * rate
            heads[z, h] += overlap
            weakest[z, h] = min(weakest[z, h], overlap * rate)
    gaps = []
    for slot_index, slot in enumerate(recommendation.slots):
        h, z = divmod(slot_index, len(recommendation.zones))
        have, need = capacity[z, h], slot.demand
        if have < need - 1e-9:
            status, orders = SHORT, need - have
        elif heads[z, h] > 0 and have - weakest[z, h] >= need - 1e-9:
            status, orders = OVER, have - need
        else:
            continue
        gaps.append(
            StaffingGap(slot.zone, slot.hour, status, need, float(have), float(heads[z, h]), slot.total, float(orders))
        )
    return tuple(gaps)


def _zone_rates(
    zones: Sequence[str], productivity: Sequence[CourierProductivity], vehicles: Sequence[VehicleOption]
) -> dict[tuple[str, str], float]:
    measured = productivity_rates(productivity)
    rates = {}
    for vehicle in vehicles:
        elsewhere = [r for (_, t), r in measured.items() if t == vehicle.vehicle_type]
        for zone in zones:
            rate = measured.get((zone, vehicle.vehicle_type), float(np.mean(elsewhere)) if elsewhere else 0.0)
            if rate > 0:
                rates[(zone, vehicle.vehicle_type)] = rate
    return rates


def _option(vehicles: Sequence[VehicleOption], vehicle_type: str) -> VehicleOption:
    return next(v for v in vehicles if v.vehicle_type == vehicle_type)


def _staff_hour(
    demand: np.ndarray,
    zones: Sequence[str],
    vehicles: Sequence[VehicleOption],
    rates: Mapping[tuple[str, str], float],
    options: Sequence[tuple[int, int]],
    couriers_available: int | None,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Couriers per (zone, type) option, the uncovered orders per zone and whether the mix is proven the
    cheapest, for one hour."""
    n_zones, n_opts = len(zones), len(options)
    rate = np.array([rates[(zones[z], vehicles[v].vehicle_type)] for z, v in options])
    cost = np.array([vehicles[v].cost_per_hour for _, v in options])
    cover = np.zeros((n_zones, n_opts))
    for i, (z, _) in enumerate(options):
        cover[z, i] = rate[i]
    limit_rows, limit_ub = [], []
    for v, vehicle in enumerate(vehicles):
        if vehicle.available is not None:
            limit_rows.append([1.0 if vv == v else 0.0 for _, vv in options])
            limit_ub.append(float(vehicle.available))
    if couriers_available is not None:
        limit_rows.append([1.0] * n_opts)
        limit_ub.append(float(couriers_available))
    limits = LinearConstraint(np.array(limit_rows), -np.inf, np.array(limit_ub)) if limit_rows else None

    listed = [_minimal_crews(demand[z], rate[_in_zone(options, z)]) for z in range(n_zones)]
    crews = [c for c in listed if c is not None]
    if len(crews) < n_zones or sum(len(c) for c in crews) > MAX_CREWS:
        counts, proven = _cover(cost, demand, cover, limits, uncovered_at_most=0.0)
        if counts is not None:
            return counts, np.zeros(n_zones), proven
    elif all(len(c) for c in crews):
        # each zone's cheapest crew, the limits aside, costs no more than any crew within them: when together
        # they keep within the limits they are the answer, and the coupled program is not needed
        cheapest = [c[np.argmin(c @ cost[_in_zone(options, z)])] for z, c in enumerate(crews)]
        counts = _spread(cheapest, options, n_opts)
        if limits is None or (limits.A @ counts <= limits.ub + 1e-9).all():
            return counts, np.zeros(n_zones), True
        chosen, proven = _choose_crews(crews, options, cost, limits)
        if chosen is not None:
            return chosen, np.zeros(n_zones), proven
    # not enough couriers or vehicles: leave the fewest orders uncovered, then pay the least for that
    fewest, proven_fewest = _cover(np.zeros(n_opts), demand, cover, limits, uncovered_at_most=None)
    least = float(np.maximum(demand - cover @ fewest, 0.0).sum()) if fewest is not None else float(demand.sum())
    counts, proven = _cover(cost, demand, cover, limits, uncovered_at_most=least + 1e-6)
    if counts is None:
        counts = fewest if fewest is not None else np.zeros(n_opts)
    return counts, np.maximum(demand - cover @ counts, 0.0), proven and proven_fewest


def _in_zone(options: Sequence[tuple[int, int]], zone: int) -> list[int]:
    return [i for i, (z, _) in enumerate(options) if z == zone]


def _spread(crews: Sequence[np.ndarray], options: Sequence[tuple[int, int]], n_opts: int) -> np.ndarray:
    """Zone by zone crews laid out as couriers per (zone, type) option."""
    counts = np.zeros(n_opts)
    for z, crew in enumerate(crews):
        counts[_in_zone(options, z)] = crew
    return counts


def _minimal_crews(need: float, zone_rates: np.ndarray) -> np.ndarray | None:
    """Every crew (couriers per type) that covers ``need`` and would not without any one of its couriers:
    with every courier costing something, the cheapest staffing uses one of these in each zone. ``None``
    when there would be more than ``MAX_CREWS`` to look at."""
    if need <= 0:
        return np.zeros((1, len(zone_rates)))
    if not len(zone_rates):
        return np.zeros((0, 0))
    ranges = [np.arange(math.ceil(need / r - 1e-9) + 1) for r in zone_rates[:-1]]
    if math.prod(len(r) for r in ranges) > MAX_CREWS:
        return None
    grid = (
        np.stack(np.meshgrid(*ranges, indexing="ij"), axis=-1).reshape(-1, len(ranges)) if ranges else np.zeros((1, 0))
    )
    last = np.maximum(np.ceil((need - grid @ zone_rates[:-1]) / zone_rates[-1] - 1e-9), 0.0)
    crews = np.column_stack([grid, last])
    capacity = crews @ zone_rates
    minimal = ((crews == 0) | (capacity[:, None] - zone_rates[None, :] < need - 1e-9)).all(axis=1)
    return crews[minimal]


def _choose_crews(
    crews: Sequence[np.ndarray], options: Sequence[tuple[int, int]], cost: np.ndarray, limits: LinearConstraint
) -> tuple[np.ndarray | None, bool]:
    """One crew per zone, the cheapest choice within the limits: a 0-1 program whose relaxation is tight
    enough for HiGHS to prove the optimum in a fraction of a second, unlike the couriers-per-type program."""
    layout, zone_of = [], []  # each candidate crew laid out per (zone, type) option, and its zone
    for z, zone_crews in enumerate(crews):
        slots = _in_zone(options, z)
        for crew in zone_crews:
            column = np.zeros(len(options))
            column[slots] = crew
            layout.append(column)
            zone_of.append(z)
    layout = np.array(layout)
    choose = np.zeros((len(crews), len(zone_of)))
    choose[zone_of, np.arange(len(zone_of))] = 1.0
    result = milp(
        layout @ cost,
        constraints=[LinearConstraint(choose, 1.0, 1.0), LinearConstraint(limits.A @ layout.T, limits.lb, limits.ub)],
        integrality=np.ones(len(zone_of)),
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": SOLVE_SECONDS},
    )
    if result.x is None:
        return None, False
    return np.round(result.x) @ layout, bool(result.status == 0)


def _cover(
    courier_cost: np.ndarray,
    demand: np.ndarray,
    cover: np.ndarray,
    limits: LinearConstraint | None,
    uncovered_at_most: float | None,
) -> tuple[np.ndarray | None, bool]:
    """Couriers per option (whole) and each zone's uncovered orders (continuous), the two meeting every zone's
    demand, within the limits and with the uncovered orders capped in total (or, uncapped, as few as
    possible): the couriers of the cheapest solution found, or ``None``, and whether it is proven cheapest."""
    n_zones, n_opts = cover.shape
    upper = np.array([math.ceil(demand[z] / cover[z, i] - 1e-9) for i, z in enumerate(cover.argmax(axis=0))])
    constraints = [LinearConstraint(np.hstack([cover, np.eye(n_zones)]), demand, np.inf)]
    if limits is not None:
        constraints.append(
            LinearConstraint(np.hstack([limits.A, np.zeros((limits.A.shape[0], n_zones))]), limits.lb, limits.ub)
        )
    uncovered = np.concatenate([np.zeros(n_opts), np.ones(n_zones)])
    if uncovered_at_most is not None:
        constraints.append(LinearConstraint(uncovered, -np.inf, uncovered_at_most))
        objective = np.concatenate([courier_cost, np.zeros(n_zones)])
    else:
        objective = uncovered
    result = milp(
        objective,
        constraints=constraints,
        integrality=np.concatenate([np.ones(n_opts), np.zeros(n_zones)]),
        bounds=Bounds(np.zeros(n_opts + n_zones), np.concatenate([upper, demand])),
        options={"time_limit": SOLVE_SECONDS},
    )
    if result.x is None:
        return None, False
    return np.round(result.x[:n_opts]), bool(result.status == 0)
