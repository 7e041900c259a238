"""Two days side by side: the same city, orders, couriers and seed under two ways of dispatching (or a recorded day
and its what-if), as a table with one row per figure (left value first) and as a chart.

The table is the claim; the chart is for people. Each row also says by how much the right
side differs from the left, so a reader need not do the arithmetic to check a target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from sim.city import CitySpec
from sim.inputs import DayInputs
from sim.metrics import FIGURES, DayFigures
from sim.runs import DayRun, run_day
from sim.simulator import DaySimulator, SimOptions
from sim.waves import PlanningSettings

COMPARED = ("km_per_vehicle_day", "mean_delivery_min", "p95_delivery_min", "on_time_rate", "orders_per_courier_hour",
            "p95_assignment_s", "delay_notices", "complaints")
DETAILS = ("orders", "delivered", "failed_attempts", "mean_stars")


def compare_days(
    spec: CitySpec,
    workdir: Path,
    planning: PlanningSettings | None = None,
    options: SimOptions | None = None,
    progress_for: Callable[[str], Callable[[DaySimulator], None]] | None = None,
) -> tuple[DayRun, DayRun]:
    """The baseline's day first, then Peisong's on exactly the same inputs (generated once, replayed twice)."""
    baseline = run_day(spec, "baseline", workdir, planning=planning, options=options,
                       progress=progress_for("baseline") if progress_for else None)
    inputs = DayInputs.load(baseline.inputs_path)
    peisong = run_day(spec, "peisong", workdir, planning=planning, inputs=inputs, options=options,
                      progress=progress_for("peisong") if progress_for else None)
    return baseline, peisong


def format_value(name: str, value: float) -> str:
    digits = FIGURES[name].digits
    return f"{value:,.{digits}f}" if digits else f"{int(round(value)):,d}"


def change(name: str, left: float, right: float) -> str:
    if name in ("delay_notices", "complaints", "orders", "delivered", "failed_attempts"):
        return f"{right - left:+,.0f}"
    if name == "on_time_rate":
        return f"{right - left:+.1f} pts"
    if left == 0:
        return "n/a"
    return f"{100.0 * (right - left) / left:+.1f}%"


def table(left: DayFigures, right: DayFigures, titles: Sequence[str] = ("baseline", "peisong"),
          rows: Sequence[str] = COMPARED + DETAILS) -> str:
    """One row per figure: its name (with unit), the left value, the right value, and the change."""
    labels = {name: FIGURES[name].label + (f" ({FIGURES[name].unit})" if FIGURES[name].unit else "") for name in rows}
    width = max(len(label) for label in labels.values()) + 2
    a, b = left.as_dict(), right.as_dict()
    cells = {name: (format_value(name, a[name]), format_value(name, b[name]), change(name, a[name], b[name]))
             for name in rows}
    w1 = max(len(titles[0]), *(len(c[0]) for c in cells.values()))
    w2 = max(len(titles[1]), *(len(c[1]) for c in cells.values()))
    lines = [f"{'':<{width}}{titles[0]:>{w1}}  {titles[1]:>{w2}}  change"]
    for name in rows:
        first, second, delta = cells[name]
        lines.append(f"{labels[name]:<{width}}{first:>{w1}}  {second:>{w2}}  {delta}")
    return "\n".join(lines)


def chart(left: DayFigures, right: DayFigures, path: Path, titles: Sequence[str] = ("baseline", "peisong"),
          title: str = "") -> Path:
    """A bar pair per figure, each figure scaled to the larger of the two so they share one axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a, b = left.as_dict(), right.as_dict()
    names = list(COMPARED)
    figure, axes = plt.subplots(2, 4, figsize=(14, 6.5))
    for axis, name in zip(axes.flat, names):
        values = [a[name], b[name]]
        bars = axis.bar(list(titles), values, color=["#9e9e9e", "#d84315"])
        axis.set_title(FIGURES[name].label + (f" ({FIGURES[name].unit})" if FIGURES[name].unit else ""), fontsize=10)
        axis.bar_label(bars, labels=[format_value(name, v) for v in values], fontsize=9)
        axis.set_ylim(0, max(max(values) * 1.2, 1e-9))
        axis.tick_params(axis="y", labelsize=8)
        axis.set_xlabel(f"{FIGURES[name].better} is better", fontsize=8)
    figure.suptitle(title or f"{titles[0]} vs {titles[1]}: the same day")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
