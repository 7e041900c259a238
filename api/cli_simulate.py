"""`peisong simulate`: a generated city's day through the real application, alone, compared, forked, or live."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Callable

import click

SIZES = ("small", "medium", "large")


def _workdir(out: Path | None, seed: int) -> Path:
    """Where the day's stores go: as asked, else a fresh folder in memory (/dev/shm) when the machine has one,
    since a simulated store is scratch that a disk's fsyncs only slow down."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        return out
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix=f"peisong-sim-{seed}-", dir=shm if shm.is_dir() else None))


def _progress(label: str, total: int) -> tuple[Any, Callable[[Any], None]]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit=" orders", dynamic_ncols=True, mininterval=0.5, disable=None)

    def report(sim: Any) -> None:
        local = sim.now.astimezone(sim.city.spec.local("00:00").tzinfo)
        rate = 100.0 * sim.on_time / sim.finished if sim.finished else 0.0
        bar.set_postfix_str(f"{local:%H:%M} on time {rate:.0f}%", refresh=False)
        bar.update(sim.finished - bar.n)

    return bar, report


@click.command(help="Run a simulated city day through the application: customers order, couriers ride, the shop "
                    "dispatches. --compare runs the same day under the baseline dispatcher and Peisong's planning; "
                    "--whatif forks the day with a change (fleet=, zones=, shifts=, wave=, iterations=, scope=, "
                    "dispatcher=); --live paces it in real time inside the server.")
@click.option("--city", "size", type=click.Choice(SIZES), default="medium", show_default=True)
@click.option("--warehouses", type=int, default=None, help="Warehouses (1-8); default by city size.")
@click.option("--couriers", "fleet", default=None, help="Couriers by vehicle type, e.g. e-bike=20,van=5.")
@click.option("--orders", type=int, default=None, help="Orders on a weekday (weekends sell more).")
@click.option("--zones", type=int, default=None, help="Delivery zones per warehouse.")
@click.option("--shifts", default=None, help="Shift pattern, e.g. 08:00-17:00,13:00-22:00.")
@click.option("--day", "day_", default=None, help="The simulated day, YYYY-MM-DD (default 2026-03-12, a Thursday).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--dispatcher", type=click.Choice(("peisong", "baseline")), default="peisong", show_default=True)
@click.option("--wave-minutes", type=int, default=None, help="Peisong's wave interval (default 3).")
@click.option("--iterations", type=int, default=None, help="Solver iterations per plan (default 300).")
@click.option("--compare", is_flag=True, help="Baseline and Peisong on the same day, side by side, with a chart.")
@click.option("--whatif", multiple=True, help="Fork the day with this change (repeatable), e.g. fleet=e-bike=30,van=5.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Folder for the day's stores.")
@click.option("--chart", type=click.Path(path_type=Path), default=None, help="Chart PNG (default in --out).")
@click.option("--live", is_flag=True, help="Serve the API and run the day in real time inside the server.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--database-url", default="sqlite:///peisong-live.db", show_default=True, help="Store of a --live day.")
def simulate(size: str, warehouses: int | None, fleet: str | None, orders: int | None, zones: int | None,
             shifts: str | None, day_: str | None, seed: int, dispatcher: str, wave_minutes: int | None,
             iterations: int | None, compare: bool, whatif: tuple[str, ...], out: Path | None, chart: Path | None,
             live: bool, host: str, port: int, database_url: str) -> None:
    from sim.city import CitySpec, parse_fleet, parse_shifts
    from sim.waves import PlanningSettings
    from sim.whatif import Change

    try:
        spec = CitySpec.of_size(
            size, seed=seed, warehouses=warehouses, fleet=parse_fleet(fleet) if fleet else None, orders=orders,
            zones_per_warehouse=zones, shifts=parse_shifts(shifts) if shifts else None,
            day=date.fromisoformat(day_) if day_ else None,
        )
        planning = PlanningSettings(
            **{k: v for k, v in (("wave_minutes", wave_minutes), ("iterations", iterations)) if v is not None},
            seed=seed,
        )
        changes = [Change.parse(text) for text in whatif]
    except ValueError as wrong:
        raise click.UsageError(str(wrong)) from None
    if live:
        _live(spec, planning, host, port, database_url)
        return
    workdir = _workdir(out, seed)
    click.echo(f"city: {spec.size}, {spec.warehouses} warehouses, {spec.couriers} couriers "
               f"({', '.join(f'{n} {t}' for t, n in spec.fleet)}), {spec.orders:,} orders on a weekday, "
               f"{spec.zones_per_warehouse} zones per warehouse, seed {spec.seed}, day {spec.day}; stores in {workdir}")
    if compare:
        _compare(spec, planning, workdir, chart)
    else:
        _single(spec, planning, dispatcher, workdir)
    if changes:
        _whatif(spec, planning, dispatcher, workdir, changes, chart, compared=compare)


def _single(spec: Any, planning: Any, dispatcher: str, workdir: Path) -> Any:
    from sim.compare import format_value
    from sim.inputs import orders_of_the_day
    from sim.metrics import FIGURES
    from sim.runs import run_day

    bar, report = _progress(dispatcher, orders_of_the_day(spec))
    with bar:
        run = run_day(spec, dispatcher, workdir, planning=planning, progress=report)
    figures = run.figures.as_dict()
    width = max(len(f.label) for f in FIGURES.values()) + 8
    for name, figure in FIGURES.items():
        label = figure.label + (f" ({figure.unit})" if figure.unit else "")
        click.echo(f"{label:<{width}}{format_value(name, figures[name]):>10}")
    click.echo(f"{run.events:,} events in {run.wall_seconds:.0f} s; store {run.store}")
    return run


def _compare(spec: Any, planning: Any, workdir: Path, chart_path: Path | None) -> None:
    from sim.compare import chart, compare_days, table
    from sim.inputs import orders_of_the_day

    bars: list[Any] = []

    def progress_for(name: str) -> Callable[[Any], None]:
        bar, report = _progress(name, orders_of_the_day(spec))
        bars.append(bar)
        return report

    try:
        baseline, peisong = compare_days(spec, workdir, planning, progress_for=progress_for)
    finally:
        for bar in bars:
            bar.close()
    click.echo("")
    click.echo(table(baseline.figures, peisong.figures))
    path = chart(baseline.figures, peisong.figures, chart_path or workdir / "compare.png",
                 title=f"The same day ({spec.size} city, seed {spec.seed}): baseline dispatch vs Peisong's planning")
    click.echo(f"\nbaseline {baseline.wall_seconds:.0f} s, peisong {peisong.wall_seconds:.0f} s "
               f"({peisong.plans} plans solved in {peisong.solve_seconds:.0f} s); chart {path}")


def _whatif(spec: Any, planning: Any, dispatcher: str, workdir: Path, changes: list[Any], chart_path: Path | None,
            compared: bool) -> None:
    from sim.compare import chart, table
    from sim.inputs import orders_of_the_day
    from sim.whatif import fork

    recorded = workdir / f"{'peisong' if compared else dispatcher}.db"
    label = ", ".join(str(c) for c in changes)
    bar, report = _progress(f"what-if {label}", orders_of_the_day(spec))
    with bar:
        day, run = fork(recorded, changes, workdir, progress=report)
    click.echo(f"\nwhat-if {label}: the recorded day ({recorded.name}) as it was, and as it would have been")
    click.echo(table(day.figures(), run.figures, titles=("as it was", "what-if")))
    path = chart(day.figures(), run.figures, (chart_path or workdir / "compare.png").with_name("whatif.png"),
                 titles=("as it was", "what-if"), title=f"What if {label}?")
    click.echo(f"chart {path}")


def _live(spec: Any, planning: Any, host: str, port: int, database_url: str) -> None:
    from api.cli_live import serve_live
    from domain.settings import Settings
    from sim.live import LiveDay, LiveReport, local_day

    settings = Settings.from_env(database_url=database_url)

    def make_day(application: Any) -> LiveDay:
        if application.head_position() != 0:
            raise click.UsageError(f"{database_url} already holds a shop; a live city needs a store of its own")
        day = spec.with_changes(day=local_day(application.clock.now()))
        click.echo(f"a live {day.size} city in {database_url}: first shifts in 5 minutes; "
                   f"GraphQL on http://{host}:{port}/graphql (tokens: peisong token --role ROLE)")
        return LiveDay(application, day, planning, progress=LiveReport(click.echo))

    serve_live(settings, host, port, make_day)
