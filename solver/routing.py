"""``plan_routes``: a :class:`PlanRequest` in, a :class:`Plan` out, PyVRP underneath.

How a request becomes a PyVRP problem (``build_model``):

* **Places.** PyVRP locations are, in order: the request's depots, one
  pseudo-depot per vehicle that starts (or ends) at an arbitrary point, then
  the stops kept after the pre-checks. Distance and duration matrices come
  from the travel provider, once per speed type, as numpy int64 arrays handed
  to ``ProblemData`` directly (no per-edge modelling).
* **Loads.** Two load dimensions, kg and litres, as integers
  (``load_scale`` units per kg or litre); a dimension nobody uses is dropped.
  Deliveries are PyVRP delivery amounts, pickups (returns) pickup amounts,
  goods already on board that belong to no stop are the vehicle type's
  ``initial_load`` (on board until the next depot).
* **Fleet.** Vehicles with identical attributes form one PyVRP vehicle type
  (its name lists the request indices of its vehicles); shift windows are
  clipped to the opening hours of the start and end depots; reload depots and
  ``max_reloads`` give multi-trip routes; costs become integer unit costs
  (``cost_resolution`` currency per unit).
* **Skills** (and ``Stop.on_board``, a private skill of the carrying vehicle).
  PyVRP has no skills, so each (speed type, skills it lacks) combination is a
  routing profile whose matrices make the stops needing a lacking skill
  unreachable: every edge to or from them gets a huge duration (a route
  using one has time warp beyond any shift, hence is infeasible) and a huge
  distance (such vehicle types also get a ``max_distance`` below it, so even
  without time windows the route is infeasible). Only feasible solutions are
  turned into plans, and the test checker verifies skills independently.
* **Pre-checks.** A stop that needs a skill no vehicle has, that is heavier or
  bulkier than every vehicle able to carry it, or whose window cannot be
  reached (and the vehicle be back in its shift) from any such vehicle's
  start is left out with that reason before PyVRP sees it.

The search (``solver.decompose``): PyVRP's iterated local search, stopped by
iterations or by the deadline; problems above ``decompose_above`` stops are
split across processes (started with the ``spawn`` method, safe inside a
threaded server; a script calling ``plan_routes`` on such problems needs the
usual ``if __name__ == "__main__":`` guard). Required stops are hard; if the search finds no
feasible plan by half its budget (or the quick capacity check says required
demand exceeds the fleet), the rest of the budget searches a model where
required stops carry a prize larger than any route's cost, so that what
cannot be served is left out rather than the plan being infeasible; a final
greedy repair removes any remaining violation and re-inserts required stops
where they fit. Stops left out by the search get a reason from trying to
insert them into the final routes.

Pure: no clock other than the monotonic stopwatch for the time limit, no
global state, no I/O; the same request with an iteration budget gives the
same plan.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version

import numpy as np
from pyvrp import (
    ActivityType,
    Client,
    Depot as PyDepot,
    Location,
    ProblemData,
    Route,
    Solution,
    VehicleType,
)

from solver.decompose import (
    Budget,
    make_route,
    route_activities,
    run_search,
    solve_decomposed,
    stop_for,
)
from solver.requests import (
    LEFT_OUT_CAPACITY,
    LEFT_OUT_NOT_WORTH,
    LEFT_OUT_SKILL,
    LEFT_OUT_TIME,
    LEFT_OUT_TOO_BULKY,
    LEFT_OUT_TOO_HEAVY,
    LEFT_OUT_VEHICLE,
    LEFT_OUT_WINDOW,
    NO_LIMIT,
    LeftOut,
    Plan,
    PlannedRoute,
    PlanProgress,
    PlanRequest,
    Point,
    Visit,
)

PYVRP_VERSION = version("pyvrp")

#: Distance/duration of a forbidden edge (skills): far beyond any real value,
#: small enough that penalties on it cannot overflow PyVRP's 64-bit costs.
FORBIDDEN = 2**36
#: Integer capacity standing for "unlimited" (PyVRP's MAX_VALUE).
UNLIMITED_LOAD = 2**44
#: Seconds of budget kept for turning the solution into a plan.
_RESERVE_SHARE, _RESERVE_MAX = 0.005, 0.5
#: Below this many seconds of search, a big problem is not decomposed.
MIN_DECOMPOSE_S = 10.0
#: Insertion trials spent on explaining why stops were left out.
_CLASSIFY_TRIALS = 20_000

REASON_CAPACITY = "capacity: not everything fits"
REASON_TIME = "time: no room within its window in any vehicle's shift"
REASON_NOT_WORTH = "optional, not worth its priority"
REASON_WINDOW = "window cannot be reached"

_CLIENT = ActivityType.CLIENT.value
_DEPOT = ActivityType.DEPOT.value


@dataclass
class Model:
    """A request translated for PyVRP, with the maps back to the request."""

    request: PlanRequest
    data: ProblemData | None
    client_stop: list[int]  # PyVRP client -> request stop index
    type_vehicles: list[list[int]]  # PyVRP vehicle type -> request vehicle indices
    depot_refs: list[str]  # PyVRP depot -> depot id or "@vehicle:<id>"
    dims: tuple[int, ...]  # which of (kg, litres) are load dimensions
    left_out: list[LeftOut]
    unusable: list[int]  # request vehicles that cannot work at all
    forbidden: list[frozenset[int]]  # per profile: clients it may not serve
    soft_prize: int = 0
    soft_from_start: bool = False
    matrices_s: float = 0.0
    model_s: float = 0.0


def _int_load(value: float, scale: int) -> int:
    if math.isinf(value):
        return UNLIMITED_LOAD
    return int(round(value * scale))


def _vehicle_window(v, depots_by_id) -> tuple[int, int]:
    """The vehicle's shift clipped to its depots' hours: it cannot leave its
    start depot before it opens nor come back to its end depot after it
    closes. Empty (early > late) when the vehicle cannot work."""
    early, late = int(v.shift[0]), int(v.shift[1])
    if isinstance(v.start, str):
        depot = depots_by_id[v.start]
        early = max(early, int(depot.window[0]))
        if early > int(depot.window[1]):
            return early, early - 1
    end = v.start if v.end is None else v.end
    if isinstance(end, str):
        late = min(late, int(depots_by_id[end].window[1]))
    return early, late


def build_model(request: PlanRequest) -> Model:
    """Translate a request into PyVRP ``ProblemData`` (see the module doc)."""
    rq = request
    t0 = time.perf_counter()
    for name, items in (("depot", rq.depots), ("stop", rq.stops), ("vehicle", rq.vehicles)):
        ids = [x.id for x in items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate {name} ids")
    depots_by_id = {d.id: d for d in rq.depots}
    dep_index = {d.id: i for i, d in enumerate(rq.depots)}
    for v in rq.vehicles:
        for where in (v.start, v.end):
            if isinstance(where, str) and where not in depots_by_id:
                raise ValueError(f"vehicle {v.id}: unknown depot {where!r}")
        for d in v.reload_depots:
            if d not in depots_by_id:
                raise ValueError(f"vehicle {v.id}: unknown reload depot {d!r}")

    # --- places: depots, vehicles' own points, stops
    points: list[Point] = [d.location for d in rq.depots]
    refs: list[str] = [d.id for d in rq.depots]
    start_of: list[int] = []
    end_of: list[int] = []
    for v in rq.vehicles:
        if isinstance(v.start, str):
            s = dep_index[v.start]
        else:
            s = len(points)
            points.append(v.start)
            refs.append(f"@vehicle:{v.id}")
        end = v.start if v.end is None else v.end
        if isinstance(end, str):
            e = dep_index[end]
        elif not isinstance(v.start, str) and end == v.start:
            e = s
        else:
            e = len(points)
            points.append(end)
            refs.append(f"@vehicle:{v.id}:end")
        start_of.append(s)
        end_of.append(e)
    n_dep = len(points)
    stops = rq.stops
    n_stops = len(stops)
    all_points = points + [s.location for s in stops]

    windows = [_vehicle_window(v, depots_by_id) for v in rq.vehicles]
    unusable = [i for i, (e, l) in enumerate(windows) if e > l]
    usable = [i for i in range(len(rq.vehicles)) if i not in set(unusable)]
    vehicle_by_id = {v.id: i for i, v in enumerate(rq.vehicles)}

    if not usable or not stops:
        left = [
            LeftOut(s.id, "no vehicle can work: no shift fits its depots' hours", LEFT_OUT_VEHICLE)
            for s in stops
        ]
        return Model(rq, None, [], [], refs, (), left, unusable, [])

    # --- matrices, once per speed type
    speed_types: list[str] = []
    for i in usable:
        st = rq.vehicles[i].speed_type
        if st not in speed_types:
            speed_types.append(st)
    dist_full: dict[str, np.ndarray] = {}
    dur_full: dict[str, np.ndarray] = {}
    n_all = len(all_points)
    for st in speed_types:
        dist, dur = rq.travel.matrices(all_points, st)
        dist = np.asarray(dist, dtype=np.int64)
        dur = np.asarray(dur, dtype=np.int64)
        if dist.shape != (n_all, n_all) or dur.shape != (n_all, n_all):
            raise ValueError("travel provider returned matrices of the wrong shape")
        dist_full[st], dur_full[st] = dist, dur
    coords_fn = getattr(rq.travel, "coordinates", None)
    coords = (
        np.asarray(coords_fn(all_points), dtype=float)
        if callable(coords_fn)
        else np.zeros((n_all, 2))
    )
    t1 = time.perf_counter()

    # --- stop attributes as arrays
    scale = rq.load_scale
    kg = np.array([_int_load(s.weight_kg, scale) for s in stops], dtype=np.int64)
    lt = np.array([_int_load(s.volume_l, scale) for s in stops], dtype=np.int64)
    tw0 = np.array([s.window[0] for s in stops], dtype=float)
    tw1 = np.array([s.window[1] for s in stops], dtype=float)
    serv = np.array([s.service_s for s in stops], dtype=float)
    rel = np.array([s.release_s for s in stops], dtype=float)
    carried = {s.on_board for s in stops if s.on_board is not None}
    stop_skills = [
        s.skills | {f"@onboard:{s.on_board}"} if s.on_board is not None else s.skills
        for s in stops
    ]

    def vskills(i: int) -> frozenset[str]:
        v = rq.vehicles[i]
        return v.skills | {f"@onboard:{v.id}"} if v.id in carried else v.skills

    all_vehicle_skills = frozenset().union(*(rq.vehicles[i].skills for i in usable))

    # --- pre-checks, vectorised per class of vehicles alike for them
    classes: dict[tuple, list[int]] = {}
    for i in usable:
        v = rq.vehicles[i]
        key = (
            v.speed_type,
            start_of[i],
            end_of[i],
            windows[i],
            _int_load(v.capacity_kg, scale),
            _int_load(v.capacity_l, scale),
            vskills(i),
            rq.depots[start_of[i]].service_s if start_of[i] < len(rq.depots) else 0,
        )
        classes.setdefault(key, []).append(i)
    any_compat = np.zeros(n_stops, bool)
    any_kg = np.zeros(n_stops, bool)
    any_l = np.zeros(n_stops, bool)
    any_fit = np.zeros(n_stops, bool)
    any_reach = np.zeros(n_stops, bool)
    stop_locs = n_dep + np.arange(n_stops)
    distinct_skillsets = {sk for sk in stop_skills}
    for (st, s_idx, e_idx, (e, l), cap_kg, cap_l, sk, svc), _members in classes.items():
        ok_sets = {ss: ss <= sk for ss in distinct_skillsets}
        compat = np.fromiter((ok_sets[ss] for ss in stop_skills), bool, n_stops)
        fit_kg = kg <= cap_kg
        fit_l = lt <= cap_l
        dur = dur_full[st]
        depart = np.maximum(float(e), rel) + svc
        arrive = depart + dur[s_idx, stop_locs]
        begin = np.maximum(arrive, tw0)
        back = begin + serv + dur[stop_locs, e_idx]
        reach = (arrive <= tw1) & (tw0 <= tw1) & (back <= float(l))
        any_compat |= compat
        any_kg |= compat & fit_kg
        any_l |= compat & fit_l
        any_fit |= compat & fit_kg & fit_l
        any_reach |= compat & fit_kg & fit_l & reach

    left_out: list[LeftOut] = []
    keep: list[int] = []
    for j, s in enumerate(stops):
        if s.on_board is not None and (
            s.on_board not in vehicle_by_id or vehicle_by_id[s.on_board] in unusable
        ):
            left_out.append(
                LeftOut(s.id, f"vehicle {s.on_board} carrying it cannot be planned", LEFT_OUT_VEHICLE)
            )
        elif not any_compat[j]:
            missing = sorted(s.skills - all_vehicle_skills)
            if missing:
                reason = "no vehicle with skill " + ", ".join(missing)
            elif s.on_board is not None:
                reason = f"vehicle {s.on_board} carrying it lacks skill " + ", ".join(sorted(s.skills))
            else:
                reason = "no single vehicle has all skills " + ", ".join(sorted(s.skills))
            left_out.append(LeftOut(s.id, reason, LEFT_OUT_SKILL))
        elif not any_fit[j]:
            if not any_kg[j]:
                left_out.append(
                    LeftOut(s.id, f"heavier than every vehicle ({s.weight_kg:g} kg)", LEFT_OUT_TOO_HEAVY)
                )
            elif not any_l[j]:
                left_out.append(
                    LeftOut(s.id, f"bulkier than every vehicle ({s.volume_l:g} L)", LEFT_OUT_TOO_BULKY)
                )
            else:
                left_out.append(
                    LeftOut(s.id, "too heavy or bulky for every vehicle", LEFT_OUT_TOO_HEAVY)
                )
        elif not any_reach[j]:
            left_out.append(LeftOut(s.id, REASON_WINDOW, LEFT_OUT_WINDOW))
        else:
            keep.append(j)

    if not keep:
        return Model(rq, None, [], [], refs, (), left_out, unusable, [])

    keep_arr = np.array(keep, dtype=np.int64)
    # --- load dimensions in use
    init_kg = {i: _int_load(rq.vehicles[i].initial_kg, scale) for i in usable}
    init_l = {i: _int_load(rq.vehicles[i].initial_l, scale) for i in usable}
    dims = tuple(
        d
        for d, (amounts, init) in enumerate(((kg, init_kg), (lt, init_l)))
        if bool((amounts[keep_arr] > 0).any()) or any(x > 0 for x in init.values())
    )
    amounts = (kg, lt)

    # --- locations (depots and vehicle points first, then kept stops)
    loc_idx = np.concatenate([np.arange(n_dep), n_dep + keep_arr])
    locations = [Location(x=float(coords[k, 0]), y=float(coords[k, 1])) for k in loc_idx]

    # --- clients
    res = rq.cost_resolution
    clients = []
    for c, j in enumerate(keep):
        s = stops[j]
        load = [int(amounts[d][j]) for d in dims]
        zero = [0] * len(dims)
        prize = 0 if s.required else max(0, int(round(s.priority * rq.prize_per_priority / res)))
        clients.append(
            Client(
                location=n_dep + c,
                delivery=load if s.kind == "delivery" else zero,
                pickup=load if s.kind == "pickup" else zero,
                service_duration=int(s.service_s),
                tw_early=int(s.window[0]),
                tw_late=int(s.window[1]),
                release_time=int(s.release_s),
                prize=prize,
                required=bool(s.required),
            )
        )

    # --- profiles: (speed type, demanded skills the vehicle lacks)
    demanded = frozenset().union(*(stop_skills[j] for j in keep))
    profile_keys: list[tuple[str, frozenset[str]]] = []
    profile_of: dict[int, int] = {}
    for i in usable:
        key = (rq.vehicles[i].speed_type, demanded - vskills(i))
        if key not in profile_keys:
            profile_keys.append(key)
        profile_of[i] = profile_keys.index(key)
    forbidden: list[frozenset[int]] = []
    dist_mats: list[np.ndarray] = []
    dur_mats: list[np.ndarray] = []
    subset = len(keep) != n_stops
    cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for st, lacking in profile_keys:
        if st not in cache:
            dist, dur = dist_full[st], dur_full[st]
            if subset:
                ix = np.ix_(loc_idx, loc_idx)
                dist, dur = dist[ix], dur[ix]
            cache[st] = (dist, dur)
        dist, dur = cache[st]
        banned = frozenset(c for c, j in enumerate(keep) if stop_skills[j] & lacking)
        forbidden.append(banned)
        if banned:
            locs = np.array([n_dep + c for c in sorted(banned)], dtype=np.int64)
            dist, dur = dist.copy(), dur.copy()
            for m in (dist, dur):
                m[:, locs] = FORBIDDEN
                m[locs, :] = FORBIDDEN
                m[locs, locs] = 0
        dist_mats.append(dist)
        dur_mats.append(dur)

    # --- vehicle types: vehicles alike share one
    groups: dict[tuple, list[int]] = {}
    for i in usable:
        v = rq.vehicles[i]
        e, l = windows[i]
        cap = tuple(
            _int_load(v.capacity_kg if d == 0 else v.capacity_l, scale) for d in dims
        )
        init = tuple((init_kg[i], init_l[i])[d] for d in dims)
        reloads = tuple(dep_index[d] for d in v.reload_depots)
        key = (
            start_of[i],
            end_of[i],
            cap,
            e,
            l,
            int(round(v.fixed_cost / res)),
            int(round(v.cost_per_km / 1000.0 / res)),
            int(round(v.cost_per_hour / 3600.0 / res)),
            profile_of[i],
            init if any(init) else (),
            reloads,
            v.max_reloads if reloads else None,
        )
        groups.setdefault(key, []).append(i)
    vehicle_types = []
    type_vehicles = []
    for key, members in groups.items():
        (s, e_dep, cap, e, l, fixed, udist, udur, prof, init, reloads, max_reloads) = key
        kwargs = {}
        if init:
            kwargs["initial_load"] = list(init)
        if reloads:
            kwargs["reload_depots"] = list(reloads)
            if max_reloads is not None:
                kwargs["max_reloads"] = int(max_reloads)
        if forbidden[prof]:
            kwargs["max_distance"] = FORBIDDEN - 1
        vehicle_types.append(
            VehicleType(
                num_available=len(members),
                capacity=list(cap),
                start_depot=s,
                end_depot=e_dep,
                fixed_cost=fixed,
                tw_early=e,
                tw_late=l,
                unit_distance_cost=udist,
                unit_duration_cost=udur,
                profile=prof,
                name=",".join(map(str, members)),
                **kwargs,
            )
        )
        type_vehicles.append(members)

    # --- depots (an opening window every user's shift already respects is
    # left out: it is redundant and keeps the model identical to the
    # benchmark readers')
    py_depots = []
    for k in range(n_dep):
        if k >= len(rq.depots):
            py_depots.append(PyDepot(location=k))
            continue
        d = rq.depots[k]
        o, c = int(d.window[0]), int(d.window[1])
        users = [
            i
            for i in usable
            if start_of[i] == k or end_of[i] == k or d.id in rq.vehicles[i].reload_depots
        ]
        redundant = all(o <= windows[i][0] and windows[i][1] <= c for i in users)
        if redundant:
            py_depots.append(PyDepot(location=k, service_duration=int(d.service_s)))
        else:
            py_depots.append(
                PyDepot(location=k, tw_early=o, tw_late=c, service_duration=int(d.service_s))
            )

    data = ProblemData(locations, clients, py_depots, vehicle_types, dist_mats, dur_mats)

    # --- prize that makes a required stop worth more than any route's cost
    worst = 0
    longest: dict[int, tuple[int, int]] = {}
    for p, (dm, tm) in enumerate(zip(dist_mats, dur_mats)):
        if forbidden[p]:
            longest[p] = (int(dm[dm < FORBIDDEN].max()), int(tm[tm < FORBIDDEN].max()))
        else:
            longest[p] = (int(dm.max()), int(tm.max()))
    for vt in vehicle_types:
        dmax, tmax = longest[vt.profile]
        span = 0 if vt.tw_late >= NO_LIMIT else vt.tw_late - vt.tw_early
        worst = max(
            worst,
            vt.fixed_cost
            + vt.unit_distance_cost * 2 * dmax
            + vt.unit_duration_cost * (2 * tmax + span + int(serv.max())),
        )
    max_prize = max((cl.prize for cl in clients), default=0)
    soft_prize = min(4 * worst + 2 * max_prize + 1, (2**62) // (len(clients) + 1))

    # --- does required demand obviously exceed the fleet?
    soft = False
    for d_pos, d in enumerate(dims):
        for kind in ("delivery", "pickup"):
            need = sum(
                int(amounts[d][j])
                for j in keep
                if stops[j].required and stops[j].kind == kind
            )
            total = 0.0
            for vt in vehicle_types:
                trips = 1 + (vt.max_reloads if vt.reload_depots else 0)
                total += float(vt.capacity[d_pos]) * trips * vt.num_available
            if need > total:
                soft = True

    t2 = time.perf_counter()
    return Model(
        rq,
        data,
        list(keep),
        type_vehicles,
        refs,
        dims,
        left_out,
        unusable,
        forbidden,
        soft_prize=soft_prize,
        soft_from_start=soft,
        matrices_s=t1 - t0,
        model_s=t2 - t1,
    )


def soften(data: ProblemData, prize: int) -> ProblemData:
    """The same problem with required stops optional but worth ``prize``."""
    clients = []
    for cl in data.clients():
        if cl.required:
            cl = Client(
                location=cl.location,
                delivery=cl.delivery,
                pickup=cl.pickup,
                service_duration=cl.service_duration,
                tw_early=cl.tw_early,
                tw_late=cl.tw_late,
                release_time=cl.release_time,
                prize=prize,
                required=False,
            )
        clients.append(cl)
    return data.replace(clients=clients)


# --- search -----------------------------------------------------------------


def _make_budget(rq: PlanRequest, started: float) -> Budget:
    if isinstance(rq.max_iterations, tuple):
        return Budget(schedule=rq.max_iterations, started=started)
    if rq.max_iterations is not None and rq.time_limit_s is None:
        return Budget(iterations=int(rq.max_iterations), started=started)
    if rq.max_iterations is not None:
        # both given: iterations decide (repeatable); the time is not used
        return Budget(iterations=int(rq.max_iterations), started=started)
    reserve = min(_RESERVE_SHARE * rq.time_limit_s, _RESERVE_MAX)
    return Budget(deadline=started + rq.time_limit_s - reserve, started=started)


def _search(
    model: Model, budget: Budget, progress: Callable[[PlanProgress], None] | None
) -> tuple[Solution, int]:
    rq = model.request
    data = model.data
    assert data is not None
    workers = rq.workers or os.cpu_count() or 1

    def reporter(phase: str):
        if progress is None:
            return None
        return lambda it, cost: progress(
            PlanProgress(phase, it, cost, time.monotonic() - budget.started)
        )

    def decomp_progress(phase, it, cost):
        if progress is not None:
            progress(PlanProgress(phase, it, cost, time.monotonic() - budget.started))

    if model.soft_from_start:
        soft = soften(data, model.soft_prize)
        best, it = run_search(soft, stop_for(budget, "soft"), rq.seed, None, reporter("soft"))
        budget.done("soft", it)
        return _back_to(data, best), 1

    if budget.replaying:
        decompose = any(p.startswith("r1p") for p, _ in budget.schedule or [])
    elif budget.timed:
        decompose = (
            data.num_clients > rq.decompose_above
            and workers > 1
            and budget.remaining() >= MIN_DECOMPOSE_S
        )
    else:
        decompose = (
            data.num_clients > rq.decompose_above and workers > 1 and rq.decompose_rounds > 0
        )

    parts = 1
    if decompose:
        best = solve_decomposed(
            data, budget, rq.seed, workers, rq.decompose_rounds, decomp_progress
        )
        parts = budget.parts
    else:
        stop = stop_for(budget, "search", give_up=True)
        best, it = run_search(data, stop, rq.seed, None, reporter("search"))
        budget.done("search", it)

    if not best.is_feasible():
        soft = soften(data, model.soft_prize)
        init = Solution(
            soft,
            [make_route(soft, route_activities(r), r.vehicle_type()) for r in best.routes()],
        )
        best_soft, it = run_search(soft, stop_for(budget, "soft"), rq.seed, init, reporter("soft"))
        budget.done("soft", it)
        best = _back_to(data, best_soft)
    return best, parts


def _back_to(data: ProblemData, solution: Solution) -> Solution:
    """The same routes as a solution of ``data``."""
    return Solution(
        data,
        [make_route(data, route_activities(r), r.vehicle_type()) for r in solution.routes()],
    )


# --- repair and explanation ---------------------------------------------------


def _feasible(data: ProblemData, acts: list, vt: int) -> bool:
    try:
        return make_route(data, acts, vt).is_feasible()
    except ValueError:  # e.g. more trips than the vehicle may make
        return False


def _repair(data: ProblemData, solution: Solution) -> list[tuple[int, list]]:
    """Routes as (type, activities); infeasible routes rebuilt greedily,
    keeping each visit only if the route stays feasible."""
    out = []
    for route in solution.routes():
        acts = route_activities(route)
        vt = route.vehicle_type()
        if not route.is_feasible():
            kept: list = []
            for act in acts:
                trial = kept + [act]
                if _feasible(data, trial, vt):
                    kept = trial
            while kept and kept[-1][0] == _DEPOT:
                kept.pop()
            acts = kept
        # drop reloads that start or end a route or repeat
        cleaned: list = []
        for act in acts:
            if act[0] == _DEPOT and (not cleaned or cleaned[-1][0] == _DEPOT):
                continue
            cleaned.append(act)
        while cleaned and cleaned[-1][0] == _DEPOT:
            cleaned.pop()
        if cleaned != acts and not _feasible(data, cleaned, vt):
            cleaned = acts
        if any(a[0] == _CLIENT for a in cleaned):
            out.append((vt, cleaned))
    return out


def _insertion_trials(
    model: Model, routes: list[tuple[int, list]], client: int, limit: list[int]
):
    """Yield (route index or -1-type for an unused vehicle, activities,
    route) for every insertion of ``client``; ``limit[0]`` counts down."""
    data = model.data
    used: dict[int, int] = {}
    for vt, _ in routes:
        used[vt] = used.get(vt, 0) + 1
    for r, (vt, acts) in enumerate(routes):
        if client in model.forbidden[data.vehicle_type(vt).profile]:
            continue
        for pos in range(len(acts) + 1):
            if limit[0] <= 0:
                return
            limit[0] -= 1
            trial = acts[:pos] + [(_CLIENT, client)] + acts[pos:]
            try:
                route = make_route(data, trial, vt)
            except ValueError:
                continue
            yield r, trial, route
    for vt, vtype in enumerate(data.vehicle_types()):
        if used.get(vt, 0) >= vtype.num_available:
            continue
        if client in model.forbidden[vtype.profile]:
            continue
        if limit[0] <= 0:
            return
        limit[0] -= 1
        trial = [(_CLIENT, client)]
        yield -1 - vt, trial, make_route(data, trial, vt)


def _route_cost(route: Route) -> int:
    return route.distance_cost() + route.duration_cost() + route.fixed_vehicle_cost()


def _reinsert_required(model: Model, routes: list[tuple[int, list]], missing: list[int]):
    """Insert unrouted required clients at their cheapest feasible place."""
    data = model.data
    limit = [_CLASSIFY_TRIALS]
    for client in missing:
        best = None
        current = {r: _route_cost(make_route(data, acts, vt)) for r, (vt, acts) in enumerate(routes)}
        for r, trial, route in _insertion_trials(model, routes, client, limit):
            if not route.is_feasible():
                continue
            delta = _route_cost(route) - (current[r] if r >= 0 else 0)
            if best is None or delta < best[0]:
                best = (delta, r, trial)
        if best is not None:
            _, r, trial = best
            if r >= 0:
                routes[r] = (routes[r][0], trial)
            else:
                routes.append((-1 - r, trial))


def _classify(model: Model, routes: list[tuple[int, list]], client: int, limit: list[int]) -> LeftOut:
    """Why the search left this stop out: try every insertion into the final
    routes (and into each unused vehicle). No insertion within capacity:
    capacity; some within capacity but none on time: time; an optional stop
    with a feasible insertion: its prize did not pay for the detour. When
    the trial budget runs out first: optional -> not worth, required -> time."""
    stop = model.request.stops[model.client_stop[client]]
    cap_fit = feasible = False
    for _, _, route in _insertion_trials(model, routes, client, limit):
        if not route.has_excess_load():
            cap_fit = True
            if route.is_feasible():
                feasible = True
                break
    judged = feasible or limit[0] > 0
    if not stop.required and (feasible or not judged):
        return LeftOut(stop.id, REASON_NOT_WORTH, LEFT_OUT_NOT_WORTH)
    if judged and not cap_fit:
        return LeftOut(stop.id, REASON_CAPACITY, LEFT_OUT_CAPACITY)
    return LeftOut(stop.id, REASON_TIME, LEFT_OUT_TIME)


# --- the plan ---------------------------------------------------------------


def _planned_route(model: Model, vt: int, acts: list, vehicle_index: int) -> PlannedRoute:
    rq = model.request
    data = model.data
    v = rq.vehicles[vehicle_index]
    route = make_route(data, acts, vt)
    sched = route.schedule()
    # loads in kg / L per trip: deliveries of the trip leave the depot with it
    trip_kg: list[float] = [0.0]
    trip_l: list[float] = [0.0]
    for t, i in acts:
        if t == _DEPOT:
            trip_kg.append(0.0)
            trip_l.append(0.0)
        else:
            s = rq.stops[model.client_stop[i]]
            if s.kind == "delivery":
                trip_kg[-1] += s.weight_kg
                trip_l[-1] += s.volume_l
    load_kg = trip_kg[0] + v.initial_kg
    load_l = trip_l[0] + v.initial_l
    start_kg, start_l = load_kg, load_l
    visits = []
    trip = 0
    for act in sched[1:-1]:
        arrival = act.start_time - act.wait_duration
        if act.type == ActivityType.DEPOT:
            trip += 1
            load_kg, load_l = trip_kg[trip], trip_l[trip]
            visits.append(
                Visit("reload", model.depot_refs[act.idx], arrival, act.start_time,
                      act.end_time, round(load_kg, 6), round(load_l, 6), trip)
            )
            continue
        s = rq.stops[model.client_stop[act.idx]]
        sign = -1.0 if s.kind == "delivery" else 1.0
        load_kg += sign * s.weight_kg
        load_l += sign * s.volume_l
        visits.append(
            Visit(s.kind, s.id, arrival, act.start_time, act.end_time,
                  round(load_kg, 6) + 0.0, round(load_l, 6) + 0.0, trip)
        )
    first, last = sched[0], sched[-1]
    return PlannedRoute(
        vehicle_id=v.id,
        courier_id=v.courier_id,
        start=model.depot_refs[first.idx],
        end=model.depot_refs[last.idx],
        start_s=int(first.start_time),
        departure_s=int(first.end_time),
        end_s=int(last.start_time),
        start_load_kg=round(start_kg, 6),
        start_load_l=round(start_l, 6),
        visits=tuple(visits),
        distance_m=int(route.distance()),
        duration_s=int(route.duration()),
        cost=_route_cost(route) * rq.cost_resolution,
    )


def plan_routes(
    request: PlanRequest, progress: Callable[[PlanProgress], None] | None = None
) -> Plan:
    """Plan routes for ``request`` (see the module docstring). ``progress``
    is called now and then with a :class:`PlanProgress`."""
    started = time.monotonic()
    t0 = time.perf_counter()
    digest = request.digest()
    model = build_model(request)
    budget = _make_budget(request, started)
    setup_s = time.perf_counter() - t0
    rq = request

    if model.data is None:
        return Plan(
            routes=(),
            left_out=tuple(model.left_out),
            unused_vehicles=tuple(v.id for v in rq.vehicles),
            objective=0,
            cost=0.0,
            distance_m=0,
            duration_s=0,
            complete=not any(s.required for s in rq.stops),
            request_digest=digest,
            seed=rq.seed,
            iterations=(),
            solver_version=PYVRP_VERSION,
            runtime_s=time.perf_counter() - t0,
            setup_s=setup_s,
        )

    data = model.data
    t_search = time.perf_counter()
    best, parts = _search(model, budget, progress)
    search_s = time.perf_counter() - t_search
    routes = _repair(data, best)
    routed = {i for _, acts in routes for t, i in acts if t == _CLIENT}
    missing_required = [
        c for c in range(data.num_clients) if c not in routed and data.client(c).required
    ]
    if missing_required:
        _reinsert_required(model, routes, missing_required)
        routed = {i for _, acts in routes for t, i in acts if t == _CLIENT}

    # vehicles of a type are interchangeable: routes take them in order
    routes.sort(key=lambda r: (r[0], [a for a in r[1]]))
    taken = [0] * len(model.type_vehicles)
    planned = []
    objective = 0
    for vt, acts in routes:
        vehicle_index = model.type_vehicles[vt][taken[vt]]
        taken[vt] += 1
        pr = _planned_route(model, vt, acts, vehicle_index)
        planned.append(pr)
        objective += _route_cost(make_route(data, acts, vt))
    used_ids = {p.vehicle_id for p in planned}

    limit = [_CLASSIFY_TRIALS]
    left_out = list(model.left_out)
    for c in range(data.num_clients):
        if c in routed:
            continue
        objective += data.client(c).prize
        left_out.append(_classify(model, routes, c, limit))
    order = {s.id: k for k, s in enumerate(rq.stops)}
    left_out.sort(key=lambda lo: order[lo.stop_id])
    served = {sid for p in planned for sid in p.stop_ids}

    return Plan(
        routes=tuple(planned),
        left_out=tuple(left_out),
        unused_vehicles=tuple(v.id for v in rq.vehicles if v.id not in used_ids),
        objective=int(objective),
        cost=sum(p.cost for p in planned),
        distance_m=sum(p.distance_m for p in planned),
        duration_s=sum(p.duration_s for p in planned),
        complete=all(s.id in served for s in rq.stops if s.required),
        request_digest=digest,
        seed=rq.seed,
        iterations=tuple(budget.record),
        solver_version=PYVRP_VERSION,
        runtime_s=time.perf_counter() - t0,
        setup_s=setup_s,
        search_s=search_s,
        parts=parts,
    )
