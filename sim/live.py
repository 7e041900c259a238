"""A living city inside a running server: a simulated day paced in real time on the server's own application,
so the GraphQL API, its subscriptions and feeds show orders, couriers and routes as they happen.

The day's city is a generated one set up in an empty store (`peisong simulate --live`) or the
demo shop adopted as it stands (`peisong demo`, see `sim.demo_city`). The day is shifted so that
its first shifts begin a few minutes after it is started (a demo at any hour shows a morning).
The server's worker runs the policies; the shop's planning waves come from the simulator
(`planner="sim"`, and then the server leaves its own wave scheduler and planning worker off, so
no order is planned twice and no plan claimed by two solvers), or from the server's own wave
scheduler and planning worker (`planner="server"`): then the simulated world only places orders,
packs them and rides whatever routes the server dispatches.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Callable, Sequence

from domain.clock import ManualClock
from domain.errors import DomainError
from sim.city import TIMEZONE, City, CitySpec, build_city
from sim.demo import DemoSize
from sim.demo_city import adopt_demo_city, demo_live_spec
from sim.inputs import generate_inputs
from sim.policies import PolicyPass
from sim.simulator import DAY_STARTS, DaySimulator, SimOptions
from sim.waves import PeisongPlanning, PlanningSettings

log = logging.getLogger("peisong.sim.live")
REPORT_EVERY = timedelta(minutes=5)  # of the day's clock

# How a live day gets its city: (application, manual clock or None, spec, offset) -> the city, recorded.
# `build_city` sets a new city up in an empty store; `sim.demo_city.adopt_demo_city` adopts the demo shop.
CityMaker = Callable[[Any, "ManualClock | None", CitySpec, timedelta], City]


class ServerPlanning(PeisongPlanning):
    """The server plans: no waves of our own, and plans asked for are the server's planning worker's to solve."""

    name = "server"

    def attach(self, sim: DaySimulator) -> None:
        self.sim = sim

    def plans_requested(self, plans: Any) -> None:
        return None


class LivePlanning(PeisongPlanning):
    """The day's waves and planning worker, in a shop people use at the same time: a plan a dispatcher asked for
    and then discarded (or answered otherwise) before the day came to solve it is passed by, not the day's end."""

    def plans_requested(self, plans: Sequence[str]) -> None:
        for plan in plans:
            try:
                super().plans_requested([plan])
            except DomainError as refusal:
                log.warning("the live day did not solve plan %s: %s", plan, refusal.message)


class LiveDay:
    """One simulated day running in a background thread against an application the caller owns (and serves).

    With `planner="sim"` the day's own waves and planning worker are the shop's only planners: the
    server it runs in must leave its wave scheduler and planning worker off (`plans_waves`), or two
    planners would reach for the same orders and claim the same plans.
    """

    def __init__(
        self,
        application: Any,
        spec: CitySpec | None = None,
        planning: PlanningSettings | None = None,
        planner: str = "sim",
        pace: float | None = 1.0,
        progress: Callable[[DaySimulator], None] | None = None,
        city: CityMaker = build_city,
        policies: bool = False,
        until: str | None = None,
    ) -> None:
        """`city` makes the day's city (a new one by default); `policies` runs the shop's policies in the day
        itself, for when no server's worker follows the log (tests, scripts); `until` stops the day at that
        clock time of the city's day."""
        if planner not in ("sim", "server"):
            raise ValueError("planner is 'sim' (the simulator's waves) or 'server' (the server's own)")
        self.application = application
        self.spec = spec or CitySpec.of_size("small", day=local_day(application.clock.now()))
        self.planning = planning or PlanningSettings(seed=self.spec.seed)
        self.planner = planner
        self.pace = pace
        self.progress = progress
        self.make_city = city
        self.policies = policies
        self.until = until
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.city: City | None = None
        self.simulator: DaySimulator | None = None
        self.error: BaseException | None = None

    @property
    def plans_waves(self) -> bool:
        """Whether the day plans the shop's waves itself (so the server it runs in must not)."""
        return self.planner == "sim"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

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
        city = self.city = self.make_city(app, clock, self.spec, offset)
        open_for_the_day(app, city)
        inputs = generate_inputs(city).shifted(offset)
        dispatcher = ServerPlanning(self.planning) if self.planner == "server" else LivePlanning(self.planning)
        options = SimOptions(pace=self.pace, run_worker=self.policies)
        if clock is not None:
            clock.set(city.at(DAY_STARTS))
        self.simulator = DaySimulator(app, clock, city, inputs, dispatcher, options,
                                      follow_policies=PolicyPass(app) if self.policies else None,
                                      progress=self.progress, stop=self._stop_now)
        if self.progress is not None:
            self._report_every(REPORT_EVERY)
        return self.simulator.run()

    def _report_every(self, interval: timedelta) -> None:
        """Progress now and every `interval` of the day's clock, not only as orders finish (none do in its first
        half hour); until the day closes, so its calendar still runs out."""
        sim, progress = self.simulator, self.progress
        assert sim is not None and progress is not None

        def report() -> None:
            progress(sim)
            if not sim.closing:
                sim.schedule(sim.now + interval, report)

        report()

    def _stop_now(self) -> bool:
        if self._stopping.is_set():
            return True
        return self.until is not None and self.simulator is not None and self.city is not None \
            and self.simulator.now >= self.city.at(self.until)

    def _offset(self, now: datetime) -> timedelta:
        start = self.spec.local(DAY_STARTS)
        return timedelta(seconds=round((now - start).total_seconds()))


ROUND_THE_CLOCK = ("00:00", "00:00")


def open_for_the_day(app: Any, city: City) -> None:
    """A day shifted off the calendar's (started at any hour) keeps its warehouses open round the clock: their
    hours are the city's local ones, and a warehouse closed for the night leaves the planner no courier to plan."""
    if city.offset % timedelta(days=1) == timedelta(0):
        return
    for code in city.sites:
        site = app.existing_warehouse(code)
        if (site.opens, site.closes) != ROUND_THE_CLOCK:
            app.change_opening_hours(code, *ROUND_THE_CLOCK)


def local_day(moment: datetime) -> date:
    """The city's calendar day at a moment (a live day is today's, wherever the server runs)."""
    return moment.astimezone(TIMEZONE).date()


def demo_live_day(application: Any, seed: int = 2026, size: DemoSize = DemoSize(),
                  spec: CitySpec | None = None, **options: Any) -> LiveDay:
    """For `peisong demo`: today's live day on the demo shop in the application's store (see `sim.demo_city`),
    not yet started; `options` go to `LiveDay` (planning, pace, progress, policies, until)."""
    spec = spec or demo_live_spec(seed, local_day(application.clock.now()), size)
    return LiveDay(application, spec, city=partial(adopt_demo_city, seed=seed, size=size), **options)


class LiveReport:
    """A line now and then for whoever watches the server's console: the city's clock, orders placed and
    delivered, the share on time, couriers on shift."""

    def __init__(self, echo: Callable[[str], None] = print, every: timedelta = timedelta(minutes=5)) -> None:
        self.echo = echo
        self.every = every
        self._last: datetime | None = None

    def __call__(self, sim: DaySimulator) -> None:
        if self._last is not None and sim.now - self._last < self.every:
            return
        self._last = sim.now
        self.echo(live_line(sim))


def live_line(sim: DaySimulator) -> str:
    placed = sum(1 for o in sim.orders.values() if o.status not in ("PLANNED", "REFUSED"))
    delivered = sum(1 for o in sim.orders.values() if o.status == "DELIVERED")
    on_shift = sum(1 for c in sim.couriers.values() if c.on_shift)
    city_time = (sim.now - sim.city.offset).astimezone(TIMEZONE)
    on_time = f" ({100.0 * sim.on_time / delivered:.0f}% on time)" if delivered else ""
    return (f"live day, city time {city_time:%H:%M}: {placed} of {len(sim.orders)} orders placed, "
            f"{delivered} delivered{on_time}, {on_shift} couriers on shift")
