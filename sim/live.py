"""A living city inside a running server: a simulated day paced in real time on the server's own application,
so the GraphQL API, its subscriptions and feeds show orders, couriers and routes as they happen.

The day is the generated city's, shifted so that its first shifts begin a few minutes after
it is started (a demo at any hour shows a morning). The server's worker runs the policies;
the shop's planning waves come from the simulator (`planner="sim"`), or from the server's own
wave scheduler and planning worker when it runs them (`planner="server"`): then the simulated
world only places orders, packs them and rides whatever routes the server dispatches.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any, Callable

from domain.clock import ManualClock
from sim.city import TIMEZONE, CitySpec, build_city
from sim.inputs import generate_inputs
from sim.simulator import DAY_STARTS, DaySimulator, SimOptions
from sim.waves import PeisongPlanning, PlanningSettings

log = logging.getLogger("peisong.sim.live")


class ServerPlanning(PeisongPlanning):
    """The server plans: no waves of our own, and plans asked for are the server's planning worker's to solve."""

    name = "server"

    def attach(self, sim: DaySimulator) -> None:
        self.sim = sim

    def plans_requested(self, plans: Any) -> None:
        return None


class LiveDay:
    """One simulated day running in a background thread against an application the caller owns (and serves)."""

    def __init__(
        self,
        application: Any,
        spec: CitySpec | None = None,
        planning: PlanningSettings | None = None,
        planner: str = "sim",
        pace: float = 1.0,
        progress: Callable[[DaySimulator], None] | None = None,
    ) -> None:
        if planner not in ("sim", "server"):
            raise ValueError("planner is 'sim' (the simulator's waves) or 'server' (the server's own)")
        self.application = application
        self.spec = spec or CitySpec.of_size("small", day=datetime.now(TIMEZONE).date())
        self.planning = planning or PlanningSettings(seed=self.spec.seed)
        self.planner = planner
        self.pace = pace
        self.progress = progress
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.simulator: DaySimulator | None = None
        self.error: BaseException | None = None

    def start(self) -> "LiveDay":
        self._thread = threading.Thread(target=self._run, name="peisong-live-day", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self.run()
        except BaseException as error:  # a live demo's world stops; the server it runs in does not
            self.error = error
            log.exception("the live simulated day stopped")

    def run(self) -> DaySimulator:
        app = self.application
        clock = app.clock if isinstance(app.clock, ManualClock) else None
        offset = self._offset(app.clock.now())
        city = build_city(app, clock, self.spec, offset)
        inputs = generate_inputs(city).shifted(offset)
        dispatcher = ServerPlanning(self.planning) if self.planner == "server" else PeisongPlanning(self.planning)
        options = SimOptions(pace=self.pace, run_worker=False)
        if clock is not None:
            clock.set(city.at(DAY_STARTS))
        self.simulator = DaySimulator(app, clock, city, inputs, dispatcher, options, progress=self.progress,
                                      stop=self._stopping.is_set)
        return self.simulator.run()

    def _offset(self, now: datetime) -> timedelta:
        start = self.spec.local(DAY_STARTS)
        return timedelta(seconds=round((now - start).total_seconds()))


def start_live_day(application: Any, size: str = "small", seed: int = 1, planner: str = "sim") -> LiveDay:
    """For `peisong demo`: a live simulated day of a city of `size` on the served application, in real time."""
    spec = CitySpec.of_size(size, seed=seed, day=datetime.now(TIMEZONE).date())
    return LiveDay(application, spec, planner=planner).start()
