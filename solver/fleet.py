"""Vehicle dispatch: how many vehicles of each type to put on the road, per hour.

The model (a capacity/throughput covering model):

1. **Throughput of one vehicle.** An order weighs ``order_kg`` and takes
   ``order_l`` litres, so a vehicle carries at most
   ``q_max = floor(min(capacity_kg / order_kg, capacity_l / order_l))``
   orders per trip. A trip with ``q`` orders takes
   ``T(q) = (2 * depot_km + (q - 1) * stop_spacing_km) / speed_kmh
   + (q * service_s + load_s) / 3600`` hours (out to the delivery area,
   between its stops, back; service at each stop, loading at the depot). The
   orders of one trip must all be delivered within the promise window, so a
   trip carries ``q* = max{q <= q_max : T(q) <= window_h}`` orders, and the
   vehicle serves ``theta = utilisation * q* / T(q*)`` orders per hour
   (``utilisation`` < 1 leaves slack for uneven demand and traffic). A type
   that cannot deliver even one order within the window has ``theta = 0``.
2. **Covering.** For every hour ``h`` with expected demand ``d_h`` orders,
   the vehicles on the road must cover it:
   ``sum_k theta_k * x[h, k] >= d_h``, with ``x[h, k] <= available_k``.
3. **Objective.** Fewest vehicles first, then the cheapest (by
   ``cost_per_hour``) among the fewest: two integer programs solved with
   ``scipy.optimize.milp`` (lexicographic). Without shifts every hour is
   independent; with ``shift_hours = L`` a vehicle put on the road at hour
   ``s`` stays ``L`` hours (shifts end at the horizon at the latest), the
   decision is the number of shift starts ``y[s, k]``, on the road is
   ``x[h, k] = sum_{s <= h < s + L} y[s, k]``, and the objective counts
   shifts (vehicles called in), then their cost. Without scipy the
   hour-by-hour model is solved by exact enumeration.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FleetVehicleType:
    """A kind of vehicle the dispatcher can call in. ``available``: the most
    of this type that can be on the road at once (``None``: no limit)."""

    name: str
    capacity_kg: float
    capacity_l: float = math.inf
    speed_kmh: float = 25.0
    cost_per_hour: float = 0.0
    available: int | None = None


@dataclass(frozen=True)
class HourFleet:
    """The recommendation for one hour: ``vehicles`` as (type, count) pairs,
    the expected ``orders`` and the orders per hour they can serve."""

    hour: int
    orders: float
    vehicles: tuple[tuple[str, int], ...]
    capacity_orders: float

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.vehicles)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.vehicles)


@dataclass(frozen=True)
class FleetRecommendation:
    """Per hour, vehicles per type; the throughput assumed per vehicle type;
    with shifts, the shift starts ``(hour, type, count)``; whether every
    hour's demand is covered (``False`` when the available vehicles are not
    enough: then the hour gets everything available)."""

    hours: tuple[HourFleet, ...]
    throughput: tuple[tuple[str, float], ...]
    shift_starts: tuple[tuple[int, str, int], ...]
    vehicle_hours: int
    cost: float
    covered: bool
    method: str


def vehicle_throughput(
    vt: FleetVehicleType,
    *,
    order_kg: float,
    order_l: float,
    service_s: float,
    load_s: float,
    depot_km: float,
    stop_spacing_km: float,
    window_h: float,
    utilisation: float,
) -> float:
    """Orders per hour one vehicle of this type serves (model step 1)."""
    limits = []
    if order_kg > 0:
        limits.append(vt.capacity_kg / order_kg)
    if order_l > 0:
        limits.append(vt.capacity_l / order_l)
    q_max = math.floor(min(limits)) if limits else 10**6
    q_max = min(q_max, 10**6)

    def trip_h(q: int) -> float:
        drive = (2 * depot_km + (q - 1) * stop_spacing_km) / vt.speed_kmh
        return drive + (q * service_s + load_s) / 3600.0

    if q_max < 1 or trip_h(1) > window_h:
        return 0.0
    # T(q) is increasing in q: binary search the largest q within the window
    lo, hi = 1, q_max
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if trip_h(mid) <= window_h:
            lo = mid
        else:
            hi = mid - 1
    return utilisation * lo / trip_h(lo)


def _as_hours(demand: Mapping[int, float] | Sequence[float]) -> list[tuple[int, float]]:
    if isinstance(demand, Mapping):
        return sorted((int(h), float(d)) for h, d in demand.items())
    return [(h, float(d)) for h, d in enumerate(demand)]


def _milp(c, A, lb, ub, bounds_ub):
    from scipy.optimize import Bounds, LinearConstraint, milp

    res = milp(
        c=np.asarray(c, float),
        constraints=[LinearConstraint(np.asarray(A, float), lb, ub)] if len(A) else [],
        integrality=np.ones(len(c)),
        bounds=Bounds(np.zeros(len(c)), np.asarray(bounds_ub, float)),
    )
    if not res.success:
        return None
    return np.rint(res.x).astype(int)


def _lexicographic(cost_vec, A, lb, bounds_ub):
    """Fewest vehicles (sum of variables), then least cost."""
    n = len(cost_vec)
    ub = np.full(len(A), np.inf)
    x = _milp(np.ones(n), A, lb, ub, bounds_ub)
    if x is None:
        return None
    if not any(cost_vec):
        return x
    A2 = np.vstack([A, np.ones(n)]) if len(A) else np.ones((1, n))
    lb2 = np.append(lb, -np.inf)
    ub2 = np.append(ub, x.sum())
    x2 = _milp(cost_vec, A2, lb2, ub2, bounds_ub)
    return x if x2 is None else x2


def _enumerate_hour(theta, cost, avail, demand):
    """Exact small enumeration: fewest vehicles, then cheapest, covering
    ``demand``; None if even all available vehicles do not."""
    cap = [a if a is not None else math.ceil(demand / t) if t > 0 else 0 for a, t in zip(avail, theta)]
    best = None
    for combo in itertools.product(*(range(c + 1) for c in cap)):
        if sum(t * n for t, n in zip(theta, combo)) + 1e-9 < demand:
            continue
        key = (sum(combo), sum(c * n for c, n in zip(cost, combo)))
        if best is None or key < best[0]:
            best = (key, combo)
    return None if best is None else list(best[1])


def recommend_fleet(
    expected_orders_per_hour: Mapping[int, float] | Sequence[float],
    vehicle_types: Sequence[FleetVehicleType],
    *,
    order_kg: float = 5.0,
    order_l: float = 20.0,
    service_s: float = 180.0,
    load_s: float = 600.0,
    depot_km: float = 5.0,
    stop_spacing_km: float = 1.0,
    window_h: float = 2.0,
    utilisation: float = 0.85,
    shift_hours: int | None = None,
) -> FleetRecommendation:
    """Recommend vehicles per type for each hour (see the module docstring).

    ``expected_orders_per_hour``: orders due per hour, as a sequence (index =
    hour of day) or a mapping hour -> orders (e.g. from the demand forecast).
    """
    hours = _as_hours(expected_orders_per_hour)
    types = list(vehicle_types)
    if not types:
        raise ValueError("no vehicle types")
    theta = [
        vehicle_throughput(
            vt,
            order_kg=order_kg,
            order_l=order_l,
            service_s=service_s,
            load_s=load_s,
            depot_km=depot_km,
            stop_spacing_km=stop_spacing_km,
            window_h=window_h,
            utilisation=utilisation,
        )
        for vt in types
    ]
    k = len(types)
    avail = [vt.available for vt in types]
    big = 10**6
    bound = [a if a is not None else big for a in avail]
    cost = [vt.cost_per_hour for vt in types]
    max_capacity = sum(t * b for t, b in zip(theta, bound))
    need = [min(d, max_capacity) for _, d in hours]  # cover what can be covered
    covered = all(d <= max_capacity + 1e-9 for _, d in hours)

    have_scipy = importlib.util.find_spec("scipy") is not None

    x = np.zeros((len(hours), k), dtype=int)
    starts: list[tuple[int, str, int]] = []
    if shift_hours is None:
        method = "milp per hour" if have_scipy else "enumeration per hour"
        for i, d in enumerate(need):
            if d <= 0:
                continue
            if have_scipy:
                sol = _lexicographic(cost, np.array([theta]), np.array([d]), bound)
            else:
                sol = _enumerate_hour(theta, cost, avail, d)
            if sol is not None:
                x[i] = sol
    else:
        if not have_scipy:
            raise RuntimeError("the shift model needs scipy")
        method = "milp with shifts"
        L = int(shift_hours)
        if L < 1:
            raise ValueError("shift_hours must be >= 1")
        hs = [h for h, _ in hours]
        n_s = len(hs)
        # variable y[s, k] at index s * k + j; shift starting at hs[s] covers
        # hours hs[s] .. hs[s] + L - 1
        cover = np.zeros((n_s, n_s), dtype=float)  # cover[h, s]
        for s in range(n_s):
            for h in range(n_s):
                if hs[s] <= hs[h] < hs[s] + L:
                    cover[h, s] = 1.0
        rows, lb, ub = [], [], []
        for h in range(n_s):
            demand_row = np.zeros(n_s * k)
            for s in range(n_s):
                for j in range(k):
                    demand_row[s * k + j] = cover[h, s] * theta[j]
            rows.append(demand_row)
            lb.append(need[h])
            ub.append(np.inf)
            for j in range(k):
                if avail[j] is not None:
                    row = np.zeros(n_s * k)
                    for s in range(n_s):
                        row[s * k + j] = cover[h, s]
                    rows.append(row)
                    lb.append(-np.inf)
                    ub.append(avail[j])
        shift_len = [min(L, sum(1 for h in hs if hs[s] <= h < hs[s] + L)) for s in range(n_s)]
        cvec = [cost[j] * shift_len[s] for s in range(n_s) for j in range(k)]
        A = np.array(rows)
        lbv, ubv = np.array(lb, float), np.array(ub, float)
        from scipy.optimize import Bounds, LinearConstraint, milp

        def solve(c, extra=None):
            A_, lb_, ub_ = A, lbv, ubv
            if extra is not None:
                A_ = np.vstack([A, np.ones(n_s * k)])
                lb_ = np.append(lbv, -np.inf)
                ub_ = np.append(ubv, extra)
            r = milp(
                c=np.asarray(c, float),
                constraints=[LinearConstraint(A_, lb_, ub_)],
                integrality=np.ones(n_s * k),
                bounds=Bounds(np.zeros(n_s * k), np.full(n_s * k, float(big))),
            )
            return None if not r.success else np.rint(r.x).astype(int)

        y = solve(np.ones(n_s * k))
        if y is not None and any(cvec):
            y2 = solve(cvec, extra=int(y.sum()))
            y = y if y2 is None else y2
        if y is not None:
            y = y.reshape(n_s, k)
            x = (cover @ y).astype(int)
            for s in range(n_s):
                for j in range(k):
                    if y[s, j]:
                        starts.append((hs[s], types[j].name, int(y[s, j])))

    out = []
    for i, (h, d) in enumerate(hours):
        vehicles = tuple((types[j].name, int(x[i, j])) for j in range(k) if x[i, j])
        out.append(
            HourFleet(
                hour=h,
                orders=d,
                vehicles=vehicles,
                capacity_orders=float(sum(theta[j] * x[i, j] for j in range(k))),
            )
        )
    return FleetRecommendation(
        hours=tuple(out),
        throughput=tuple((vt.name, t) for vt, t in zip(types, theta)),
        shift_starts=tuple(starts),
        vehicle_hours=int(x.sum()),
        cost=float(sum(cost[j] * x[:, j].sum() for j in range(k))),
        covered=covered,
        method=method,
    )
