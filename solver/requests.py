"""Plain, frozen data of a planning request and of the plan that answers it.

Units everywhere in the solver:

* time: integer seconds from the request's day origin (``PlanRequest.day_origin``
  names that instant for humans; the caller converts datetimes);
* distance: integer metres (or the planar unit of ``EuclideanTravel``);
* weight in kg and volume in litres (floats); the solver turns them into
  integers with ``PlanRequest.load_scale`` units per kg / per litre;
* money: floats in the shop's currency; the solver turns them into integers
  with ``PlanRequest.cost_resolution`` currency per integer cost unit.

Nothing here imports PyVRP: a request and a plan are data that the domain can
record as events and an auditor can re-run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from solver.travel import TravelProvider

#: The open end of a time window ("no limit"); PyVRP's own default.
NO_LIMIT: int = 2**63 - 1

#: Stop kinds. A delivery brings goods from the depot, a pickup (a return)
#: collects goods that ride along until the vehicle next reaches a depot.
StopKind = Literal["delivery", "pickup"]

# Machine-readable codes of the reasons a stop is left out of a plan.
LEFT_OUT_SKILL = "skill"
LEFT_OUT_TOO_HEAVY = "too_heavy"
LEFT_OUT_TOO_BULKY = "too_bulky"
LEFT_OUT_WINDOW = "window_unreachable"
LEFT_OUT_CAPACITY = "capacity"
LEFT_OUT_TIME = "time"
LEFT_OUT_NOT_WORTH = "not_worth"
LEFT_OUT_VEHICLE = "vehicle_missing"


@dataclass(frozen=True)
class Point:
    """A place: geographic (``lat``/``lon`` in degrees) or planar (``x``/``y``).

    ``zone`` is the caller's zone id for this place (traffic factors are per
    zone and hour). Build with :meth:`geo` or :meth:`xy`.
    """

    lat: float | None = None
    lon: float | None = None
    x: float | None = None
    y: float | None = None
    zone: str | None = None

    def __post_init__(self) -> None:
        geo = self.lat is not None and self.lon is not None
        planar = self.x is not None and self.y is not None
        if geo == planar:
            raise ValueError("a Point needs either lat and lon, or x and y")

    @classmethod
    def geo(cls, lat: float, lon: float, zone: str | None = None) -> Point:
        return cls(lat=float(lat), lon=float(lon), zone=zone)

    @classmethod
    def xy(cls, x: float, y: float, zone: str | None = None) -> Point:
        return cls(x=float(x), y=float(y), zone=zone)

    @property
    def is_geo(self) -> bool:
        return self.lat is not None


@dataclass(frozen=True)
class Depot:
    """A warehouse: where vehicles load, start, end and reload.

    ``window`` is its opening window (seconds); ``service_s`` the loading time
    spent at every departure from it (start and reloads).
    """

    id: str
    location: Point
    window: tuple[int, int] = (0, NO_LIMIT)
    service_s: int = 0


@dataclass(frozen=True)
class Stop:
    """One order to serve at one place.

    ``window`` is the promised time window for the start of service (waiting
    before it is allowed); ``release_s`` the moment its goods are ready at the
    depot (the trip carrying it cannot leave earlier). ``skills`` must all be
    held by the vehicle (e.g. ``{"cold_chain"}``). A ``pickup`` collects
    goods (a return) that stay on board until the next depot. Optional stops
    (``required=False``) earn ``priority * PlanRequest.prize_per_priority``
    when served and may be left out when serving them costs more.
    ``on_board`` names the vehicle that already carries this stop's goods
    (re-planning during the day): only that vehicle can serve it.
    """

    id: str
    location: Point
    weight_kg: float = 0.0
    volume_l: float = 0.0
    window: tuple[int, int] = (0, NO_LIMIT)
    service_s: int = 0
    skills: frozenset[str] = frozenset()
    kind: StopKind = "delivery"
    required: bool = True
    priority: int = 1
    release_s: int = 0
    on_board: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("delivery", "pickup"):
            raise ValueError(f"stop {self.id}: unknown kind {self.kind!r}")
        if not isinstance(self.skills, frozenset):
            object.__setattr__(self, "skills", frozenset(self.skills))
        if self.weight_kg < 0 or self.volume_l < 0:
            raise ValueError(f"stop {self.id}: negative weight or volume")


@dataclass(frozen=True)
class Vehicle:
    """One vehicle with its courier for the planned period.

    ``start`` / ``end`` are a depot id or an arbitrary :class:`Point` (a
    courier re-planned during the day starts where they are); ``end=None``
    means "back where it started". ``initial_kg`` / ``initial_l`` are goods
    already on board that belong to no stop of this request (e.g. returns
    already collected): they occupy capacity until the vehicle reaches a
    depot. ``reload_depots`` lists the depots where it may reload between
    trips (multi-trip), at most ``max_reloads`` times (``None``: no limit).
    ``speed_type`` selects the travel profile (speed) of the provider.
    """

    id: str
    vehicle_type: str
    capacity_kg: float
    shift: tuple[int, int]
    start: str | Point
    end: str | Point | None = None
    courier_id: str | None = None
    capacity_l: float = math.inf
    fixed_cost: float = 0.0
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    skills: frozenset[str] = frozenset()
    reload_depots: tuple[str, ...] = ()
    max_reloads: int | None = None
    speed_type: str = "car"
    initial_kg: float = 0.0
    initial_l: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.skills, frozenset):
            object.__setattr__(self, "skills", frozenset(self.skills))
        if not isinstance(self.reload_depots, tuple):
            object.__setattr__(self, "reload_depots", tuple(self.reload_depots))


@dataclass(frozen=True)
class PlanRequest:
    """Everything ``plan_routes`` needs, and nothing else.

    Stop the search with ``time_limit_s`` (wall seconds for the whole call)
    or ``max_iterations``: an int gives every search phase (every part of a
    decomposed solve) that many iterations; a tuple of ``(phase, iterations)``
    pairs, as recorded in ``Plan.iterations``, replays a previous run
    exactly. With iterations the plan depends only on the request and seed.
    Problems with more than ``decompose_above`` stops are split over
    ``workers`` processes (``None``: all cores) when the budget allows.
    """

    depots: tuple[Depot, ...]
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    travel: TravelProvider
    time_limit_s: float | None = None
    max_iterations: int | tuple[tuple[str, int], ...] | None = None
    seed: int = 0
    day_origin: str = ""
    load_scale: int = 1000
    cost_resolution: float = 1e-5
    prize_per_priority: float = 5.0
    decompose_above: int = 600
    decompose_rounds: int = 2
    workers: int | None = None

    def __post_init__(self) -> None:
        for name in ("depots", "stops", "vehicles"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        if isinstance(self.max_iterations, list):
            object.__setattr__(
                self,
                "max_iterations",
                tuple((str(p), int(n)) for p, n in self.max_iterations),
            )
        if self.time_limit_s is None and self.max_iterations is None:
            raise ValueError("give time_limit_s or max_iterations")
        if self.time_limit_s is not None and self.time_limit_s <= 0:
            raise ValueError("time_limit_s must be positive")
        if self.load_scale <= 0 or self.cost_resolution <= 0:
            raise ValueError("load_scale and cost_resolution must be positive")

    def digest(self) -> str:
        """sha256 of the canonical JSON of this request (see ``canonical_json``)
        without the search budget and seed (``time_limit_s``,
        ``max_iterations``, ``seed``), which the plan records beside it: a
        replay of a plan has the digest of the original request."""
        doc = _canon(self)
        for key in _RUN_FIELDS:
            doc.pop(key, None)
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Visit:
    """One event of a planned route.

    ``kind`` is ``"delivery"`` or ``"pickup"`` for a stop (``ref`` is the stop
    id) or ``"reload"`` for a depot visit between two trips (``ref`` is the
    depot id). ``arrival_s`` <= ``start_s`` (service start, after any wait)
    < ``departure_s``. ``load_kg`` / ``load_l`` are on board after the visit
    (after a reload: the load the next trip leaves with). ``trip`` counts
    from 0 and increases after each reload.
    """

    kind: str
    ref: str
    arrival_s: int
    start_s: int
    departure_s: int
    load_kg: float
    load_l: float
    trip: int


@dataclass(frozen=True)
class PlannedRoute:
    """The route of one vehicle: begin at ``start`` at ``start_s`` (loading
    there for the depot's service time), leave at ``departure_s`` carrying
    ``start_load_kg`` / ``start_load_l``, make ``visits`` in order, reach
    ``end`` at ``end_s``. ``start`` / ``end`` are depot ids, or
    ``"@vehicle:<id>"`` (``"@vehicle:<id>:end"``) for a vehicle's own point."""

    vehicle_id: str
    courier_id: str | None
    start: str
    end: str
    start_s: int
    departure_s: int
    end_s: int
    start_load_kg: float
    start_load_l: float
    visits: tuple[Visit, ...]
    distance_m: int
    duration_s: int
    cost: float

    @property
    def stop_ids(self) -> tuple[str, ...]:
        return tuple(v.ref for v in self.visits if v.kind != "reload")

    @property
    def trips(self) -> tuple[tuple[str, ...], ...]:
        """Stop ids per trip (trip boundaries are the reloads)."""
        trips: list[list[str]] = [[]]
        for visit in self.visits:
            if visit.kind == "reload":
                trips.append([])
            else:
                trips[-1].append(visit.ref)
        return tuple(tuple(t) for t in trips)


@dataclass(frozen=True)
class LeftOut:
    """A stop the plan does not serve, with a human reason and a code."""

    stop_id: str
    reason: str
    code: str


@dataclass(frozen=True)
class Plan:
    """The answer to a :class:`PlanRequest`, with what an auditor needs to
    re-run it: ``request_digest``, ``seed``, the ``iterations`` reached per
    search phase (pass them back as ``max_iterations`` to replay), the
    ``solver_version`` (PyVRP's). ``objective`` is PyVRP's objective in
    integer cost units (routing cost plus prizes of optional stops left out
    by the search); ``cost`` the routing cost in currency; ``complete`` says
    every required stop is served. ``setup_s`` is the
    time spent before the search (matrices and model), ``search_s`` in it,
    ``runtime_s`` the whole call; ``parts`` > 1 when it was decomposed."""

    routes: tuple[PlannedRoute, ...]
    left_out: tuple[LeftOut, ...]
    unused_vehicles: tuple[str, ...]
    objective: int
    cost: float
    distance_m: int
    duration_s: int
    complete: bool
    request_digest: str
    seed: int
    iterations: tuple[tuple[str, int], ...]
    solver_version: str
    runtime_s: float
    setup_s: float
    search_s: float = 0.0
    parts: int = 1

    def same_solution(self, other: Plan) -> bool:
        """True when both plans route and leave out the same way (ignores
        timings of the run itself)."""
        return (
            self.routes == other.routes
            and self.left_out == other.left_out
            and self.objective == other.objective
        )


@dataclass(frozen=True)
class PlanProgress:
    """Reported while searching: the phase (``"search"``, ``"r1p2"`` ...),
    iterations done in that phase, best objective so far (``None`` while no
    feasible plan is known) and seconds since the call started."""

    phase: str
    iterations: int
    best_objective: int | None
    elapsed_s: float


# --- canonical JSON ---------------------------------------------------------

_RUN_FIELDS = ("time_limit_s", "max_iterations", "seed")


_FIELDS: dict[type, tuple[str, ...] | None] = {}  # dataclass field names (None: not one)


def _canon(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if kind is float:
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if math.isnan(value):
            return "nan"
        return value
    if kind is tuple or kind is list:
        return [_canon(v) for v in value]
    if kind is frozenset and not value:
        return []
    names = _FIELDS.get(kind, ())
    if names == () and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = tuple(f.name for f in dataclasses.fields(value))
        _FIELDS[kind] = names
    elif names == ():
        _FIELDS[kind] = names = None
    if names is not None:
        out = {"__type__": kind.__name__}
        for name in names:
            v = getattr(value, name)
            t = type(v)
            out[name] = v if (t is str or t is int or t is bool or v is None) else _canon(v)
        return out
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return _canon(float(value))
    if isinstance(value, (frozenset, set)):
        return sorted((_canon(v) for v in value), key=_sort_key)
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canon(v) for k, v in value.items()}
    describe = getattr(value, "describe", None)
    if callable(describe):
        return _canon(describe())
    if hasattr(value, "item"):  # numpy scalar
        return _canon(value.item())
    return {"__type__": type(value).__qualname__, "repr": repr(value)}


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def canonical_json(value: Any) -> str:
    """Deterministic JSON of a request (or any of its parts): dataclasses as
    objects with their type name, sets sorted, infinities as strings, the
    travel provider as its ``describe()``. Key order and whitespace fixed."""
    return json.dumps(
        _canon(value), sort_keys=True, separators=(",", ":"), allow_nan=False
    )
