"""Benchmark instances as plan requests (for the bench and the tests).

Reads Solomon ``.txt`` (``vrplib.read_instance(path, instance_format="solomon")``)
and VRPLIB ``.vrp`` (VRPTW and CVRP) files, and the ``Cost`` line of the
``.sol`` beside them (the best-known solution, BKS).

Conventions (those of PyVRP's own benchmarks):

* Solomon / Gehring-Homberger (``.txt``) and VRPTW ``.vrp`` files use DIMACS
  rounding: distances are ``trunc(10 * d)``, and times, service times, loads
  and capacities are scaled the same way, so the plan's objective / 10 is the
  literature's cost; CVRP files use nearest-integer rounding.
* The objective is the distance: every vehicle costs 1 per distance unit and
  nothing else; the fleet is the file's ``VEHICLES`` (or one vehicle per
  client), all alike, starting and ending at the (first) depot within its
  time window.

``to_request`` turns the instance into a :class:`PlanRequest` whose PyVRP
model is the same ``ProblemData`` as ``reference_data`` (PyVRP's reader on
the same vrplib data), so the search is the same as plain PyVRP's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from numbers import Number
from pathlib import Path

import numpy as np
import vrplib

from solver.requests import NO_LIMIT, Depot, PlanRequest, Point, Stop, Vehicle
from solver.travel import ROUNDING_SCALE, ROUNDINGS, EuclideanTravel


@dataclass(frozen=True)
class BenchInstance:
    """An instance file read as a request. ``scale``: objective units per
    unit of the literature's cost; ``bks``: the best-known cost or None."""

    name: str
    path: Path
    rounding: str
    request: PlanRequest
    bks: float | None
    scale: int

    def cost(self, objective: int) -> float:
        return objective / self.scale

    def gap(self, objective: int) -> float | None:
        if self.bks is None:
            return None
        return 100.0 * (self.cost(objective) - self.bks) / self.bks


def is_solomon(path: Path) -> bool:
    return Path(path).suffix.lower() == ".txt"


def read_raw(path: str | Path, edge_weights: bool = True) -> dict:
    """The vrplib dictionary of an instance file (Solomon or VRPLIB);
    ``edge_weights=False`` skips vrplib's distance matrix (the request
    does not need it: its travel provider computes the matrices)."""
    path = Path(path)
    if is_solomon(path):
        inst = vrplib.read_instance(
            str(path), instance_format="solomon", compute_edge_weights=edge_weights
        )
        inst["dimension"] = len(inst["node_coord"])
        return inst
    return vrplib.read_instance(str(path), compute_edge_weights=edge_weights)


def default_rounding(path: str | Path, inst: dict | None = None) -> str:
    """DIMACS for Solomon files and instances with time windows, else round."""
    path = Path(path)
    if is_solomon(path):
        return "dimacs"
    inst = read_raw(path) if inst is None else inst
    return "dimacs" if "time_window" in inst else "round"


def read_bks(path: str | Path) -> float | None:
    """The ``Cost`` of the ``.sol`` file beside the instance, if any."""
    sol = Path(path).with_suffix(".sol")
    if not sol.exists():
        return None
    match = re.search(r"^\s*Cost\s*:?\s*([-+0-9.eE]+)", sol.read_text(), re.MULTILINE)
    return float(match.group(1)) if match else None


def to_request(
    inst: dict,
    rounding: str,
    *,
    time_limit_s: float | None = None,
    max_iterations: int | None = None,
    seed: int = 0,
    **request_options,
) -> PlanRequest:
    """A vrplib instance dictionary as a plan request (see the module doc)."""
    rnd = ROUNDINGS[rounding]
    coords = np.asarray(inst["node_coord"], dtype=float)
    n = int(inst.get("dimension", len(coords)))
    depot_idx = np.atleast_1d(inst.get("depot", np.array([0])))
    n_dep = depot_idx.size
    if (depot_idx != np.arange(n_dep)).any():
        raise ValueError("depots must be the first locations")
    if "time_window" in inst:
        tw = rnd(np.asarray(inst["time_window"]))
    else:
        tw = np.empty((n, 2), dtype=np.int64)
        tw[:, 0] = 0
        tw[:, 1] = NO_LIMIT
    service = inst.get("service_time", 0)
    if isinstance(service, Number):
        service = np.full(n, service)
        service[:n_dep] = 0
    service = rnd(np.asarray(service))
    demand = rnd(np.asarray(inst["demand"])) if "demand" in inst else np.zeros(n, np.int64)
    if demand.ndim != 1:
        raise ValueError("only one load dimension is supported here")
    capacity = inst.get("capacity", None)
    if capacity is not None and not isinstance(capacity, Number):
        capacity = np.asarray(capacity)
        if (capacity != capacity.flat[0]).any():
            raise ValueError("heterogeneous capacities are not supported here")
        capacity = capacity.flat[0]
    cap = float(rnd(np.asarray(capacity))) if capacity is not None else float("inf")
    num_vehicles = int(inst.get("vehicles", n - n_dep))

    depots = tuple(
        Depot(
            id=f"D{i}",
            location=Point.xy(coords[i, 0], coords[i, 1]),
            window=(int(tw[i, 0]), int(tw[i, 1])),
        )
        for i in range(n_dep)
    )
    stops = tuple(
        Stop(
            id=f"C{i}",
            location=Point.xy(coords[i, 0], coords[i, 1]),
            weight_kg=float(demand[i]),
            window=(int(tw[i, 0]), int(tw[i, 1])),
            service_s=int(service[i]),
        )
        for i in range(n_dep, n)
    )
    shift = (int(tw[0, 0]), int(tw[0, 1]))
    vehicles = tuple(
        Vehicle(
            id=f"V{k}",
            vehicle_type="bench",
            capacity_kg=cap,
            shift=shift,
            start="D0",
            end="D0",
            cost_per_km=1000.0,
        )
        for k in range(num_vehicles)
    )
    options = dict(load_scale=1, cost_resolution=1.0)
    options.update(request_options)
    return PlanRequest(
        depots=depots,
        stops=stops,
        vehicles=vehicles,
        travel=EuclideanTravel(rounding=rounding),
        time_limit_s=time_limit_s,
        max_iterations=max_iterations,
        seed=seed,
        **options,
    )


def read_instance(
    path: str | Path,
    *,
    rounding: str | None = None,
    time_limit_s: float | None = None,
    max_iterations: int | None = None,
    seed: int = 0,
    **request_options,
) -> BenchInstance:
    """Read an instance file into a :class:`BenchInstance`."""
    path = Path(path)
    inst = read_raw(path, edge_weights=False)
    rounding = rounding or default_rounding(path, inst)
    request = to_request(
        inst,
        rounding,
        time_limit_s=time_limit_s,
        max_iterations=max_iterations,
        seed=seed,
        **request_options,
    )
    return BenchInstance(
        name=path.stem,
        path=path,
        rounding=rounding,
        request=request,
        bks=read_bks(path),
        scale=ROUNDING_SCALE[rounding],
    )


def reference_data(path: str | Path, rounding: str | None = None):
    """PyVRP's own reading of the file (``pyvrp.read`` for VRPLIB; its reader
    on the vrplib dictionary for Solomon files, which ``pyvrp.read`` does not
    parse): the plain-PyVRP reference of the bench."""
    from pyvrp import read
    from pyvrp.read import ROUND_FUNCS, _InstanceParser, _ProblemDataBuilder

    path = Path(path)
    rounding = rounding or default_rounding(path)
    if is_solomon(path):
        parser = _InstanceParser(read_raw(path), ROUND_FUNCS[rounding])
        return _ProblemDataBuilder(parser).data()
    return read(str(path), round_func=rounding)
