"""What-if: fork a recorded day, change the fleet, the zones, the shift plan or the planning settings, and see how
the same day would have gone.

The fork replays the recorded day's inputs as they were (every order placed, when and by
whom, the weather and traffic, how each customer behaves; shifts start by the same roster
rule) and recomputes every decision (plans, assignments, notices) with the change applied.
Before forking, the recorded inputs are checked against the recorded log: the orders the log
says were placed must be exactly the inputs' orders, so a fork never replays a different day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from eventsourcing.utils import get_topic

from domain.app import Peisong
from domain.orders import Order
from sim.city import CitySpec, parse_fleet, parse_shifts
from sim.inputs import DayInputs
from sim.metrics import DayFigures, measure
from sim.runs import DISPATCHERS, DayRun, record_paths, run_day, sim_settings, spec_from_record
from sim.simulator import DaySimulator, SimOptions
from sim.waves import PlanningSettings

PLACED = get_topic(Order.OrderPlaced)  # type: ignore[attr-defined]
LEVERS = ("fleet", "zones", "shifts", "wave", "iterations", "scope", "hold", "lookahead", "dispatcher")
# The planning levers a number pulls: lever -> PlanningSettings field.
PLANNING_NUMBERS = {"wave": "wave_minutes", "iterations": "iterations", "hold": "hold_minutes",
                    "lookahead": "lookahead_minutes"}


class RecordDoesNotMatchLog(ValueError):
    """The inputs kept beside a store are not the day its log recorded."""


@dataclass(frozen=True)
class Change:
    """One lever pulled: `fleet=e-bike=30,van=5`, `zones=4`, `shifts=08:00-16:00,12:00-20:00`, `wave=5`,
    `iterations=600`, `scope=zone`, `hold=15` (minutes ready orders wait for company), `lookahead=20` (couriers
    back within this many minutes are offered too) or `dispatcher=baseline`."""

    lever: str
    value: str

    @classmethod
    def parse(cls, text: str) -> "Change":
        lever, _, value = text.partition("=")
        lever = lever.strip()
        if lever not in LEVERS or not value.strip():
            raise ValueError(f"a what-if is lever=value with lever one of {', '.join(LEVERS)}; not {text!r}")
        change = cls(lever, value.strip())
        change.apply(CitySpec(), PlanningSettings(), "peisong")  # refuses a value that cannot apply
        return change

    def apply(self, spec: CitySpec, planning: PlanningSettings, dispatcher: str) -> tuple[CitySpec, PlanningSettings, str]:
        if self.lever == "fleet":
            return spec.with_changes(fleet=parse_fleet(self.value)), planning, dispatcher
        if self.lever == "zones":
            return spec.with_changes(zones_per_warehouse=int(self.value)), planning, dispatcher
        if self.lever == "shifts":
            return spec.with_changes(shifts=parse_shifts(self.value)), planning, dispatcher
        if self.lever in PLANNING_NUMBERS:
            return spec, replace(planning, **{PLANNING_NUMBERS[self.lever]: int(self.value)}), dispatcher
        if self.lever == "scope":
            return spec, replace(planning, scope=self.value), dispatcher
        if self.value not in DISPATCHERS:
            raise ValueError(f"dispatcher is one of {', '.join(DISPATCHERS)}")
        return spec, planning, self.value

    def __str__(self) -> str:
        return f"{self.lever}={self.value}"


@dataclass(frozen=True)
class RecordedDay:
    store: Path
    spec: CitySpec
    planning: PlanningSettings
    dispatcher: str
    inputs: DayInputs
    day_begins: int

    @classmethod
    def load(cls, store: Path) -> "RecordedDay":
        inputs_path, day_path = record_paths(store)
        record: dict[str, Any] = json.loads(day_path.read_text())
        return cls(store, spec_from_record(record["spec"]), PlanningSettings(**record["planning"]),
                   record["dispatcher"], DayInputs.load(inputs_path), int(record["day_begins"]))

    def figures(self) -> DayFigures:
        app = Peisong(sim_settings(self.store, self.planning))
        try:
            return measure(app, after=self.day_begins)
        finally:
            app.close()

    def check_inputs_match_log(self) -> int:
        """The orders the log says were placed are the inputs' orders (number, customer, moment); their count."""
        app = Peisong(sim_settings(self.store, self.planning))
        try:
            logged = placed_orders(app, self.day_begins)
        finally:
            app.close()
        wanted = {(o.number, o.customer, o.placed) for o in self.inputs.orders}
        if not set(logged) <= wanted or len(logged) != len(set(logged)):
            raise RecordDoesNotMatchLog(f"the log of {self.store} places orders its recorded inputs do not hold")
        return len(logged)


def placed_orders(app: Any, after: int) -> list[tuple[str, str, Any]]:
    """(number, customer, placed at) of every order placed past `after`, in log order."""
    found = []
    start = after
    while True:
        page = app.recorder.select_notifications(start=start, limit=2_000, topics=[PLACED], inclusive_of_start=False)
        for notification in page:
            event = app.decode(notification)
            found.append((event.number, event.customer_id, event.timestamp))
        if len(page) < 2_000:
            return found
        start = page[-1].id


def fork(
    recorded: Path,
    changes: Sequence[Change],
    workdir: Path | None = None,
    name: str = "whatif",
    options: SimOptions | None = None,
    progress: Callable[[DaySimulator], None] | None = None,
) -> tuple[RecordedDay, DayRun]:
    """Replay the recorded day's inputs with the changes applied; every decision is made afresh."""
    day = RecordedDay.load(recorded)
    day.check_inputs_match_log()
    spec, planning, dispatcher = day.spec, day.planning, day.dispatcher
    for change in changes:
        spec, planning, dispatcher = change.apply(spec, planning, dispatcher)
    run = run_day(spec, dispatcher, workdir or recorded.parent, name=name, planning=planning, inputs=day.inputs,
                  options=options, progress=progress)
    return day, run
