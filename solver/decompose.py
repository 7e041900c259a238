"""Running PyVRP's search within a budget, and splitting big problems across cores.

``Budget`` says how long each search phase may run: a number of iterations
per phase, a replay schedule of ``(phase, iterations)`` pairs (as recorded in
a plan), or a wall-clock deadline. Every phase is named and its iterations
recorded, so a run stopped on time can be replayed exactly on iterations.

``solve_decomposed`` is route-based decomposition for large instances:

1. solve the whole instance for a share of the budget (phase ``"search"``);
2. round after round (phases ``"r<round>p<part>"``): order the current routes
   by the polar angle of their centroid around the depots, cut that circular
   order into as many parts as there are worker processes (balanced by
   number of stops, the cut rotating from round to round), give each part its
   routes' vehicles plus a share of the unused ones, re-solve every part in
   its own process starting from its current routes, and merge the parts'
   best routes back (each part's best is never worse than its start, so the
   merged solution never gets worse);
3. polish the merged solution on the whole instance (phase ``"polish"``).

The whole run stays inside the deadline. Everything here works on PyVRP
``ProblemData`` / ``Solution`` only and knows nothing of Peisong requests.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from pyvrp import (
    Activity,
    ActivityType,
    CostEvaluator,
    IteratedLocalSearchCallbacks,
    IteratedLocalSearchParams,
    ProblemData,
    Route,
    SolveParams,
    Solution,
    solve,
)
from pyvrp.stop import MaxIterations

INFEASIBLE = np.iinfo(np.int64).max

ProgressFn = Callable[[str, int, "int | None"], None]


# --- stopping ---------------------------------------------------------------


class Deadline:
    """Stops when ``time.monotonic()`` passes ``deadline`` (a system-wide clock,
    comparable between processes on Linux)."""

    def __init__(self, deadline: float):
        self.deadline = deadline

    def __call__(self, best_cost: int) -> bool:
        return time.monotonic() >= self.deadline


class GiveUpWhenInfeasible:
    """Wraps a criterion; also stops once ``after`` iterations (or, with a
    time, once ``after_time`` passed) without any feasible solution."""

    def __init__(self, inner, after: int | None = None, after_time: float | None = None):
        self.inner = inner
        self.after = after
        self.after_time = after_time
        self.calls = 0

    def __call__(self, best_cost: int) -> bool:
        self.calls += 1
        if self.inner(best_cost):
            return True
        if best_cost < INFEASIBLE:
            return False
        if self.after is not None and self.calls > self.after:
            return True
        return self.after_time is not None and time.monotonic() >= self.after_time


class Budget:
    """The search budget of one planning call. Exactly one of ``iterations``
    (per phase), ``schedule`` (replay) or ``deadline`` (monotonic seconds)."""

    def __init__(
        self,
        *,
        iterations: int | None = None,
        schedule: tuple[tuple[str, int], ...] | None = None,
        deadline: float | None = None,
        started: float | None = None,
    ):
        if sum(x is not None for x in (iterations, schedule, deadline)) != 1:
            raise ValueError("a budget is iterations, a schedule or a deadline")
        self.iterations = iterations
        self.schedule = list(schedule) if schedule is not None else None
        self.deadline = deadline
        self.started = time.monotonic() if started is None else started
        self.record: list[tuple[str, int]] = []
        self.parts = 1  # parts per decomposition round, when decomposed

    @property
    def timed(self) -> bool:
        return self.deadline is not None

    @property
    def replaying(self) -> bool:
        return self.schedule is not None

    def remaining(self) -> float:
        if self.deadline is None:
            return math.inf
        return max(0.0, self.deadline - time.monotonic())

    def next_phase(self) -> str | None:
        """Replay only: the name of the next recorded phase."""
        if self.schedule:
            return self.schedule[0][0]
        return None

    def phase_iterations(self, phase: str) -> int | None:
        """Iterations for ``phase`` (None when timed); pops the replay schedule."""
        if self.schedule is not None:
            if not self.schedule or self.schedule[0][0] != phase:
                raise ValueError(
                    f"replay schedule does not match: expected {phase!r}, "
                    f"got {self.schedule[0][0] if self.schedule else 'nothing'}"
                )
            return int(self.schedule.pop(0)[1])
        return self.iterations

    def done(self, phase: str, iterations: int) -> None:
        self.record.append((phase, int(iterations)))


# --- one search -------------------------------------------------------------


class _Callbacks(IteratedLocalSearchCallbacks):
    """Counts iterations and reports progress (every ``every`` iterations and
    on each new best)."""

    def __init__(
        self, report: Callable[[int, int | None], None] | None, every: int, dims: int
    ):
        self.report = report
        self.every = every
        self.dims = dims
        self.iters = 0

    def on_iteration(self, current, candidate, best, cost_evaluator):
        self.iters += 1
        if self.report is not None and self.iters % self.every == 0:
            cost = cost_evaluator.cost(best)
            self.report(self.iters, None if cost >= INFEASIBLE else int(cost))

    def on_best(self, best):
        if self.report is not None:
            cost = CostEvaluator([0] * self.dims, 0, 0).cost(best)
            self.report(self.iters, None if cost >= INFEASIBLE else int(cost))


def solution_cost(data: ProblemData, solution: Solution) -> int | None:
    """PyVRP objective of a feasible solution; None when infeasible."""
    cost = CostEvaluator([0] * data.num_load_dimensions, 0, 0).cost(solution)
    return None if cost >= INFEASIBLE else int(cost)


def run_search(
    data: ProblemData,
    stop,
    seed: int,
    initial: Solution | None = None,
    report: Callable[[int, int | None], None] | None = None,
    report_every: int = 1000,
) -> tuple[Solution, int]:
    """One run of PyVRP's iterated local search (default parameters, so a
    request built from a benchmark instance searches exactly like
    ``pyvrp.solve``). Returns the best solution and the iterations done."""
    callbacks = _Callbacks(report, report_every, data.num_load_dimensions)
    params = SolveParams(ils=IteratedLocalSearchParams(callbacks=callbacks))
    result = solve(
        data,
        stop,
        seed=seed,
        collect_stats=False,
        display=False,
        params=params,
        initial_solution=initial,
    )
    return result.best, result.num_iterations


def stop_for(budget: Budget, phase: str, share: float = 1.0, give_up: bool = False):
    """The stopping criterion of one phase: its iterations, or ``share`` of
    the remaining time. ``give_up`` also stops halfway when still infeasible
    (not when replaying: the recorded count already says where it stopped)."""
    iters = budget.phase_iterations(phase)
    if iters is not None:
        crit = MaxIterations(iters)
        if give_up and not budget.replaying:
            return GiveUpWhenInfeasible(crit, after=iters // 2)
        return crit
    now = time.monotonic()
    end = now + share * budget.remaining()
    crit = Deadline(end)
    if give_up:
        return GiveUpWhenInfeasible(crit, after_time=now + (end - now) / 2)
    return crit


# --- solutions as plain data ------------------------------------------------


def route_activities(route: Route) -> list[tuple[int, int]]:
    """The visits of a route between its start and end depot, as
    ``(ActivityType.value, index)`` pairs (reloads are depot activities)."""
    acts = route.schedule()[1:-1]
    return [(a.type.value, a.idx) for a in acts]


def make_route(
    data: ProblemData, acts: list[tuple[int, int]], vehicle_type: int
) -> Route:
    return Route(
        data, [Activity(ActivityType(t), i) for t, i in acts], vehicle_type
    )


# --- decomposition ----------------------------------------------------------

_WORKER_DATA: ProblemData | None = None  # set once per worker process


def _init_worker(data: ProblemData) -> None:
    global _WORKER_DATA
    _WORKER_DATA = data


def _ping() -> bool:
    return True


def subproblem(
    data: ProblemData, clients: list[int], counts: dict[int, int]
) -> tuple[ProblemData, list[int]]:
    """The instance restricted to ``clients`` and ``counts[type]`` vehicles of
    each type (types with no vehicle dropped). Locations, depots and matrices
    stay whole, so depot and location indices are unchanged. Returns the
    sub-instance and the global vehicle type of each of its types."""
    types = [t for t in sorted(counts) if counts[t] > 0]
    vts = [data.vehicle_type(t).replace(num_available=counts[t]) for t in types]
    sub = data.replace(
        clients=[data.client(c) for c in clients],
        vehicle_types=vts,
        groups=[],
    )
    return sub, types


def _solve_part(task: dict) -> dict:
    """Worker: re-solve one part from its current routes."""
    data = _WORKER_DATA
    assert data is not None
    clients = task["clients"]
    sub, types = subproblem(data, clients, task["counts"])
    local = {c: j for j, c in enumerate(clients)}
    type_local = {t: j for j, t in enumerate(types)}
    routes = []
    for vt, acts in task["routes"]:
        mapped = [
            (t, local[i] if t == ActivityType.CLIENT.value else i) for t, i in acts
        ]
        routes.append(make_route(sub, mapped, type_local[vt]))
    init = Solution(sub, routes)
    if task["iterations"] is not None:
        stop = MaxIterations(task["iterations"])
    else:  # its share of the round, never past the round's end
        stop = Deadline(min(task["deadline"], time.monotonic() + task["seconds"]))
    best, iters = run_search(sub, stop, task["seed"], init)
    best_cost = solution_cost(sub, best)
    init_cost = solution_cost(sub, init)
    if best_cost is None or (init_cost is not None and best_cost > init_cost):
        best = init
    out = []
    for route in best.routes():
        acts = [
            (t, clients[i] if t == ActivityType.CLIENT.value else i)
            for t, i in route_activities(route)
        ]
        out.append((types[route.vehicle_type()], acts))
    return {"routes": out, "iterations": iters}


def _coords(data: ProblemData) -> np.ndarray:
    return np.array([[loc.x, loc.y] for loc in data.locations()], dtype=float)


def split_routes(
    data: ProblemData, solution: Solution, parts: int, rotation: float
) -> list[dict]:
    """Cut the solution's routes into ``parts`` groups of neighbouring routes
    (by centroid angle around the depots, starting at ``rotation`` of the
    circle's route order). Unvisited clients join the part whose routes'
    mean angle is nearest. Each group: ``routes`` [(type, activities)],
    ``clients`` (sorted) and per-type vehicle ``counts``."""
    xy = _coords(data)
    routes = solution.routes()
    depot_xy = xy[[d.location for d in data.depots()]]
    centre = depot_xy.mean(axis=0)

    def angle(points: np.ndarray) -> float:
        c = points.mean(axis=0) - centre
        return math.atan2(c[1], c[0])

    info = []
    for route in routes:
        acts = route_activities(route)
        clients = [i for t, i in acts if t == ActivityType.CLIENT.value]
        locs = [data.client(c).location for c in clients]
        info.append((angle(xy[locs]), route.vehicle_type(), acts, clients))
    info.sort(key=lambda r: r[0])
    n = len(info)
    parts = max(1, min(parts, n))
    shift = int(rotation * n) % n if n else 0
    info = info[shift:] + info[:shift]
    total = sum(len(r[3]) for r in info)
    groups: list[list] = [[] for _ in range(parts)]
    done = 0
    for r in info:
        k = min(parts - 1, int(parts * done / max(total, 1)))
        # never leave a later part empty
        remaining_routes = n - sum(len(g) for g in groups)
        if remaining_routes <= parts - 1 - k and groups[k]:
            k = min(parts - 1, k + 1)
        groups[k].append(r)
        done += len(r[3])
    groups = [g for g in groups if g]

    out = []
    for g in groups:
        clients = sorted(c for r in g for c in r[3])
        counts: dict[int, int] = {}
        for r in g:
            counts[r[1]] = counts.get(r[1], 0) + 1
        angles = [r[0] for r in g]
        out.append(
            {
                "routes": [(r[1], r[2]) for r in g],
                "clients": clients,
                "counts": counts,
                "angle": math.atan2(
                    float(np.mean(np.sin(angles))), float(np.mean(np.cos(angles)))
                ),
            }
        )

    # unvisited clients: to the part of nearest mean angle
    visited = {c for g in out for c in g["clients"]}
    for c in range(data.num_clients):
        if c in visited:
            continue
        p = xy[data.client(c).location] - centre
        a = math.atan2(p[1], p[0])
        best = min(
            range(len(out)),
            key=lambda j: abs(math.remainder(a - out[j]["angle"], 2 * math.pi)),
        )
        out[best]["clients"].append(c)
    for g in out:
        g["clients"].sort()

    # unused vehicles: shared round-robin over the parts
    for t, vt in enumerate(data.vehicle_types()):
        used = sum(g["counts"].get(t, 0) for g in out)
        spare = vt.num_available - used
        for j in range(spare):
            g = out[j % len(out)]
            g["counts"][t] = g["counts"].get(t, 0) + 1
    return out


def merge(data: ProblemData, parts: list[list[tuple[int, list]]]) -> Solution:
    routes = [make_route(data, acts, vt) for part in parts for vt, acts in part]
    return Solution(data, routes)


def solve_decomposed(
    data: ProblemData,
    budget: Budget,
    seed: int,
    workers: int,
    rounds: int,
    progress: ProgressFn | None = None,
    *,
    whole_share: float = 0.2,
    polish_share: float = 0.1,
    part_size: int = 150,
    round_share: float = 0.05,
    min_round_s: float = 1.5,
) -> Solution:
    """Route-based decomposition (see the module docstring). Records every
    phase's iterations in ``budget.record``.

    Each round cuts the routes into ``workers * m`` parts of about
    ``part_size`` stops (PyVRP's iterations are much faster on small
    instances); the workers take them in ``m`` waves. A timed round lasts
    ``round_share`` of the time left after the whole-instance search (at
    least ``min_round_s``); with iterations, each part gets the per-phase
    iterations and there are ``rounds`` rounds."""
    ctx = multiprocessing.get_context("spawn")

    def report(phase):
        if progress is None:
            return None
        return lambda it, cost: progress(phase, it, cost)

    waves = max(1, round(data.num_clients / (workers * part_size)))
    n_parts = workers * waves
    budget.parts = n_parts
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(data,)
    ) as pool:
        # start the workers while the whole instance is being solved
        warm = [pool.submit(_ping) for _ in range(workers)]

        stop = stop_for(budget, "search", share=whole_share, give_up=True)
        best, iters = run_search(data, stop, seed, None, report("search"))
        budget.done("search", iters)
        for f in warm:
            f.result()
        if not best.is_feasible():
            return best
        best_cost = solution_cost(data, best)

        polish_s = polish_share * budget.remaining() if budget.timed else 0.0
        round_len = max(min_round_s, round_share * budget.remaining()) if budget.timed else 0.0
        rnd = 0
        while True:
            rnd += 1
            if budget.replaying:
                nxt = budget.next_phase()
                if nxt is None or not nxt.startswith(f"r{rnd}p"):
                    break
            elif budget.timed:
                if budget.remaining() - polish_s < min_round_s:
                    break
            elif rnd > rounds:
                break

            rotation = (rnd * 0.6180339887498949) % 1.0
            groups = split_routes(data, best, n_parts, rotation)
            hard = seconds = None
            if budget.timed:
                left = budget.remaining() - polish_s
                round_s = round_len if left - round_len >= min_round_s else left
                hard = time.monotonic() + round_s
                seconds = round_s * workers / len(groups)
            futures = []
            for j, g in enumerate(groups, start=1):
                phase = f"r{rnd}p{j}"
                iters = budget.phase_iterations(phase)
                task = {
                    "clients": g["clients"],
                    "counts": g["counts"],
                    "routes": g["routes"],
                    "seed": seed + 7919 * rnd + j,
                    "iterations": iters,
                    "seconds": seconds,
                    "deadline": hard,
                }
                futures.append((phase, pool.submit(_solve_part, task)))
            results = []
            for phase, fut in futures:
                res = fut.result()
                budget.done(phase, res["iterations"])
                results.append(res["routes"])
            merged = merge(data, results)
            merged_cost = solution_cost(data, merged)
            if merged_cost is not None and (best_cost is None or merged_cost <= best_cost):
                best, best_cost = merged, merged_cost
            if progress is not None:
                done = sum(i for p, i in budget.record if p.startswith(f"r{rnd}p"))
                progress(f"r{rnd}", done, best_cost)

    do_polish = (
        budget.next_phase() == "polish"
        if budget.replaying
        else (budget.remaining() > 0.05 if budget.timed else True)
    )
    if do_polish:
        stop = stop_for(budget, "polish", share=1.0)
        polished, iters = run_search(data, stop, seed + 1, best, report("polish"))
        budget.done("polish", iters)
        pc = solution_cost(data, polished)
        if pc is not None and (best_cost is None or pc <= best_cost):
            best = polished
    return best
