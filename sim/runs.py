"""One simulated day from nothing: a fresh store, the city set up in it, the day's inputs, a dispatcher, the run,
its figures, and the record (inputs and settings beside the store) that lets a what-if fork it later."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

from domain.app import Peisong
from domain.clock import ManualClock
from domain.settings import Settings
from sim.baseline import BaselineDispatch
from sim.city import CitySpec, build_city
from sim.inputs import DayInputs, generate_inputs
from sim.metrics import DayFigures, measure
from sim.policies import PolicyPass
from sim.simulator import DaySimulator, Dispatcher, SimOptions
from sim.waves import PeisongPlanning, PlanningSettings

SECRET = "peisong-simulated-day"  # delivery codes are derived from it; a simulated shop needs no real secret
DISPATCHERS = ("baseline", "peisong")


@dataclass
class DayRun:
    """A finished day: where its store is, what it was, how long it took, and its figures."""

    name: str
    dispatcher: str
    store: Path
    spec: CitySpec
    planning: PlanningSettings
    figures: DayFigures
    wall_seconds: float
    events: int
    plans: int = 0
    solve_seconds: float = 0.0

    @property
    def inputs_path(self) -> Path:
        return record_paths(self.store)[0]


def record_paths(store: Path) -> tuple[Path, Path]:
    """Where a recorded day keeps its inputs and its settings, beside its store."""
    return store.with_suffix(".inputs.json"), store.with_suffix(".day.json")


def sim_settings(store: Path, planning: PlanningSettings) -> Settings:
    return Settings(
        database_url=f"sqlite:///{store}", data_dir=store.parent, secret_key=SECRET,
        planning_max_iterations=planning.iterations, planning_seed=planning.seed,
        wave_minutes=planning.wave_minutes,
    )


def make_dispatcher(name: str, planning: PlanningSettings) -> Dispatcher:
    if name == "baseline":
        return BaselineDispatch()
    if name == "peisong":
        return PeisongPlanning(planning)
    raise ValueError(f"dispatcher is one of {', '.join(DISPATCHERS)}, not {name!r}")


def run_day(
    spec: CitySpec,
    dispatcher: str,
    workdir: Path,
    name: str | None = None,
    planning: PlanningSettings | None = None,
    inputs: DayInputs | None = None,
    options: SimOptions | None = None,
    progress: Callable[[DaySimulator], None] | None = None,
) -> DayRun:
    """Run one day in a new store `workdir/<name>.db`: the same spec and inputs give the same log."""
    planning = planning or PlanningSettings(seed=spec.seed)
    name = name or dispatcher
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / f"{name}.db"
    for old in workdir.glob(f"{name}.*"):
        old.unlink()
    started = time.perf_counter()
    settings = sim_settings(store, planning)
    clock = ManualClock(spec.local("18:00", spec.day))
    app = Peisong(settings, clock)
    try:
        city = build_city(app, clock, spec)
        inputs = inputs or generate_inputs(city)
        day_begins = app.head_position()
        chosen = make_dispatcher(dispatcher, planning)
        sim = DaySimulator(app, clock, city, inputs, chosen, options, follow_policies=PolicyPass(app),
                           progress=progress)
        sim.run()
        figures = measure(app, after=day_begins)
        events = app.head_position()
    finally:
        app.close()
    record_day(store, spec, planning, dispatcher, inputs, day_begins)
    run = DayRun(name, dispatcher, store, spec, planning, figures, time.perf_counter() - started, events)
    if isinstance(chosen, PeisongPlanning):
        run.plans, run.solve_seconds = chosen.plans, chosen.solve_seconds
    return run


def record_day(store: Path, spec: CitySpec, planning: PlanningSettings, dispatcher: str, inputs: DayInputs,
               day_begins: int) -> None:
    """The day's inputs and settings beside its store; `day_begins` is the log position the day starts after."""
    inputs_path, day_path = record_paths(store)
    inputs.save(inputs_path)
    day_path.write_text(json.dumps({
        "dispatcher": dispatcher, "spec": spec_record(spec), "planning": asdict(planning), "day_begins": day_begins,
    }, ensure_ascii=False, indent=1))


def spec_record(spec: CitySpec) -> dict[str, Any]:
    record = asdict(spec)
    record["day"] = spec.day.isoformat()
    return record


def spec_from_record(record: dict[str, Any]) -> CitySpec:
    return CitySpec(
        size=record["size"], warehouses=record["warehouses"], fleet=tuple((n, c) for n, c in record["fleet"]),
        orders=record["orders"], customers=record["customers"], zones_per_warehouse=record["zones_per_warehouse"],
        shifts=tuple((a, b) for a, b in record["shifts"]), day=date.fromisoformat(record["day"]), seed=record["seed"],
    )
