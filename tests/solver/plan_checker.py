"""An independent checker of plans.

It reuses nothing of the solver but its dataclasses: travel times are
recomputed here (scalar math for the two shipped providers; any other
provider is asked for its matrices, as the request's input), and every route
is replayed from its start: loads in kg and litres after every visit within
capacity (deliveries leave the depot with their trip, pickups and goods
already on board stay until the next depot), arrivals feasible and service
within promised windows (waiting allowed), trips leaving after their goods
are released, routes within shifts and depot hours, reloads only at allowed
depots and at most ``max_reloads``, skills respected (and goods on board
served by the vehicle carrying them), and every stop either routed exactly
once or left out with a reason.
"""

from __future__ import annotations

import math

from solver.requests import NO_LIMIT, Plan, PlanRequest, Point

EARTH_R = 6_371_008.8


def _round(rule: str, value: float) -> int:
    if rule == "dimacs":
        return int(10 * value)
    if rule == "round":
        return int(round(value))
    if rule == "exact":
        return int(round(1000 * value))
    if rule == "trunc":
        return int(value)
    raise ValueError(rule)


class _Travel:
    """Travel between points, recomputed independently of the solver."""

    def __init__(self, request: PlanRequest, profile: str):
        self.provider = request.travel
        self.profile = profile
        self.kind = type(self.provider).__name__
        self.tol = 0 if self.kind == "EuclideanTravel" else 1
        self._cache: dict = {}

    def leg(self, a: Point, b: Point) -> tuple[int, int]:
        """(distance, duration) from a to b."""
        if a == b:
            return 0, 0
        p = self.provider
        if self.kind == "EuclideanTravel":
            d = math.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2)
            dist = _round(p.rounding, d)
            speed = float(dict(p.speeds).get(self.profile, 1.0))
            dur = dist if speed == 1.0 else _round(p.rounding, d / speed)
            return dist, dur
        if self.kind == "GreatCircleTravel":
            p1, p2 = math.radians(a.lat), math.radians(b.lat)
            dp = p2 - p1
            dl = math.radians(b.lon) - math.radians(a.lon)
            h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
            metres = 2 * EARTH_R * math.asin(math.sqrt(min(1.0, max(0.0, h)))) * p.detour_factor
            secs = metres / (p.speeds_kmh[self.profile] / 3.6)
            if p.traffic is not None:
                secs *= (p.traffic(a.zone, p.hour) + p.traffic(b.zone, p.hour)) / 2
            return int(round(metres)), int(round(secs))
        key = (a, b)
        if key not in self._cache:
            dist, dur = p.matrices([a, b], self.profile)
            self._cache[key] = (int(dist[0][1]), int(dur[0][1]))
        return self._cache[key]


def check_plan(request: PlanRequest, plan: Plan) -> list[str]:
    """Every violation found, as readable strings (empty: the plan is sound)."""
    errors: list[str] = []
    stops = {s.id: s for s in request.stops}
    depots = {d.id: d for d in request.depots}
    vehicles = {v.id: v for v in request.vehicles}
    scale = request.load_scale

    # --- coverage
    seen: dict[str, int] = {}
    for route in plan.routes:
        for visit in route.visits:
            if visit.kind != "reload":
                seen[visit.ref] = seen.get(visit.ref, 0) + 1
    left = {}
    for lo in plan.left_out:
        if lo.stop_id in left:
            errors.append(f"stop {lo.stop_id} left out twice")
        left[lo.stop_id] = lo
        if not lo.reason or not lo.code:
            errors.append(f"stop {lo.stop_id} left out without a reason")
    for sid in stops:
        n = seen.get(sid, 0) + (1 if sid in left else 0)
        if n != 1:
            errors.append(f"stop {sid} appears {n} times (routes + left out)")
    for sid in list(seen) + list(left):
        if sid not in stops:
            errors.append(f"unknown stop {sid} in plan")

    used = set()
    for route in plan.routes:
        vid = route.vehicle_id
        if vid not in vehicles:
            errors.append(f"route of unknown vehicle {vid}")
            continue
        if vid in used:
            errors.append(f"vehicle {vid} has two routes")
        used.add(vid)
        v = vehicles[vid]
        travel = _Travel(request, v.speed_type)
        where = f"vehicle {vid}"

        # --- start and end places
        def place(ref: str, own: Point | str, label: str) -> Point | None:
            if isinstance(own, str):
                if ref != own:
                    errors.append(f"{where}: {label} {ref} is not its depot {own}")
                return depots[own].location
            if not ref.startswith(f"@vehicle:{vid}"):
                errors.append(f"{where}: {label} {ref} is not its own point")
            return own

        start_pt = place(route.start, v.start, "start")
        end_own = v.start if v.end is None else v.end
        end_pt = place(route.end, end_own, "end")

        # --- time: start
        shift0, shift1 = v.shift
        if route.start_s < shift0:
            errors.append(f"{where}: starts at {route.start_s} before its shift {shift0}")
        start_service = 0
        if isinstance(v.start, str):
            dep = depots[v.start]
            start_service = dep.service_s
            if not dep.window[0] <= route.start_s <= dep.window[1]:
                errors.append(f"{where}: starts outside depot {dep.id} hours")
        if route.departure_s != route.start_s + start_service:
            errors.append(f"{where}: departure {route.departure_s} != start + loading")

        # --- replay
        trips: list[list] = [[]]
        for visit in route.visits:
            if visit.kind == "reload":
                trips.append([])
            else:
                trips[-1].append(visit)
        trip_delivery = [
            (
                sum(stops[x.ref].weight_kg for x in t if x.ref in stops and stops[x.ref].kind == "delivery"),
                sum(stops[x.ref].volume_l for x in t if x.ref in stops and stops[x.ref].kind == "delivery"),
            )
            for t in trips
        ]
        eps_kg = 1e-6 + (len(route.visits) + 1) / scale
        load_kg = trip_delivery[0][0] + v.initial_kg
        load_l = trip_delivery[0][1] + v.initial_l

        def check_load(kg: float, l: float, at: str) -> None:
            if kg > v.capacity_kg + eps_kg:
                errors.append(f"{where}: {kg:g} kg on board {at} > capacity {v.capacity_kg:g}")
            if l > v.capacity_l + eps_kg:
                errors.append(f"{where}: {l:g} L on board {at} > capacity {v.capacity_l:g}")
            if kg < -eps_kg or l < -eps_kg:
                errors.append(f"{where}: negative load {at}")

        check_load(load_kg, load_l, "at start")
        if abs(load_kg - route.start_load_kg) > eps_kg or abs(load_l - route.start_load_l) > eps_kg:
            errors.append(f"{where}: start load reported {route.start_load_kg}/{route.start_load_l}, is {load_kg}/{load_l}")

        def check_release(trip_no: int, leave: int) -> None:
            for x in trips[trip_no]:
                s = stops.get(x.ref)
                if s is not None and leave < s.release_s:
                    errors.append(f"{where}: trip {trip_no} leaves at {leave} before stop {s.id} is released ({s.release_s})")

        check_release(0, route.departure_s)
        prev = start_pt
        t = route.departure_s
        distance = 0
        legs = 0
        trip = 0
        reloads = 0
        for visit in route.visits:
            if visit.kind == "reload":
                if visit.ref not in depots:
                    errors.append(f"{where}: reload at unknown depot {visit.ref}")
                    continue
                if visit.ref not in v.reload_depots:
                    errors.append(f"{where}: reloads at {visit.ref}, not allowed")
                dep = depots[visit.ref]
                here = dep.location
                service = dep.service_s
                window = dep.window
                trip += 1
                reloads += 1
            else:
                s = stops.get(visit.ref)
                if s is None:
                    continue
                here = s.location
                service = s.service_s
                window = s.window
                if not s.skills <= v.skills:
                    errors.append(f"{where}: serves {s.id} needing {sorted(s.skills)} without the skill")
                if s.on_board is not None and s.on_board != vid:
                    errors.append(f"{where}: serves {s.id} whose goods are on {s.on_board}")
            dist, dur = travel.leg(prev, here)
            distance += dist
            legs += 1
            earliest = t + dur
            if visit.arrival_s < earliest - travel.tol:
                errors.append(f"{where}: arrives at {visit.ref} at {visit.arrival_s}, earliest {earliest}")
            if visit.start_s < visit.arrival_s:
                errors.append(f"{where}: starts {visit.ref} before arriving")
            if visit.start_s < window[0]:
                errors.append(f"{where}: starts {visit.ref} at {visit.start_s} before its window {window}")
            if visit.start_s > window[1]:
                errors.append(f"{where}: starts {visit.ref} at {visit.start_s} after its window {window}")
            if visit.departure_s != visit.start_s + service:
                errors.append(f"{where}: at {visit.ref} departure != start + service")
            if visit.trip != trip:
                errors.append(f"{where}: visit {visit.ref} reported in trip {visit.trip}, is {trip}")
            if visit.kind == "reload":
                load_kg, load_l = trip_delivery[trip]
                check_release(trip, visit.departure_s)
            else:
                sign = -1.0 if s.kind == "delivery" else 1.0
                if visit.kind != s.kind:
                    errors.append(f"{where}: {s.id} reported as {visit.kind}, is {s.kind}")
                load_kg += sign * s.weight_kg
                load_l += sign * s.volume_l
            check_load(load_kg, load_l, f"after {visit.ref}")
            if abs(load_kg - visit.load_kg) > eps_kg or abs(load_l - visit.load_l) > eps_kg:
                errors.append(f"{where}: load after {visit.ref} reported {visit.load_kg}/{visit.load_l}, is {load_kg}/{load_l}")
            prev = here
            t = visit.departure_s
        if v.max_reloads is not None and reloads > v.max_reloads:
            errors.append(f"{where}: {reloads} reloads > {v.max_reloads}")
        dist, dur = travel.leg(prev, end_pt)
        distance += dist
        legs += 1
        if route.end_s < t + dur - travel.tol:
            errors.append(f"{where}: ends at {route.end_s}, earliest {t + dur}")
        if route.end_s > shift1:
            errors.append(f"{where}: ends at {route.end_s} after its shift {shift1}")
        if isinstance(end_own, str):
            close = depots[end_own].window[1]
            if close < NO_LIMIT and route.end_s > close:
                errors.append(f"{where}: back after depot {end_own} closes")
        if abs(distance - route.distance_m) > travel.tol * legs:
            errors.append(f"{where}: distance reported {route.distance_m}, is {distance}")
        if not route.visits or all(x.kind == "reload" for x in route.visits):
            errors.append(f"{where}: route serves no stop")
    return errors


def assert_plan_ok(request: PlanRequest, plan: Plan) -> None:
    errors = check_plan(request, plan)
    assert not errors, "plan violations:\n" + "\n".join(errors[:30])
