"""Drawing the report charts from projection records with matplotlib's object API (no pyplot, so no global
state: requests draw side by side in the thread pool), as PNG or SVG bytes."""

from __future__ import annotations

import io
import math
from datetime import datetime
from typing import Any, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.patches import Rectangle

from projections.analytics import GRID_LATITUDE
from projections.forecasts import ZoneDemand
from projections.order_analysis import WEEKDAYS, HeatGridView, PeakHoursView
from projections.staffing import StaffingRecommendationView

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
WIDE = (11, 4.8)
FORECAST_COLOUR = "#d95f02"
ACTUAL_COLOUR = "#1b6ca8"


def render(figure: Figure, fmt: str) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=100, bbox_inches="tight", metadata=_metadata(fmt))
    return buffer.getvalue()


def _metadata(fmt: str) -> dict[str, Any]:
    # SVGs carry a date by default; leaving it out keeps a chart of the same data the same bytes.
    return {"Date": None} if fmt == "svg" else {}


def _figure(size: tuple[float, float] = WIDE) -> Figure:
    return Figure(figsize=size, layout="constrained")


def _note(figure: Figure, text: str) -> None:
    figure.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color="#555555", wrap=True)


def orders_per_hour(actual: Sequence[tuple[datetime, int]], demand: ZoneDemand | None, title: str) -> Figure:
    """Orders each hour of the range, and the forecast from today's midnight with its 80% and 95% bands."""
    figure = _figure()
    ax = figure.add_subplot()
    if actual:
        times, counts = zip(*actual)
        ax.step(times, counts, where="post", color=ACTUAL_COLOUR, linewidth=1.0, label="orders placed")
    forecast = demand.forecast if demand is not None else None
    if forecast is not None:
        times = forecast.timestamps()
        mean, low95, high95 = forecast.mean()[0], forecast.lower(0.95)[0], forecast.upper(0.95)[0]
        low80, high80 = forecast.lower(0.8)[0], forecast.upper(0.8)[0]
        ax.fill_between(times, low95, high95, step="post", color=FORECAST_COLOUR, alpha=0.15, label="95% band")
        ax.fill_between(times, low80, high80, step="post", color=FORECAST_COLOUR, alpha=0.3, label="80% band")
        ax.step(times, mean, where="post", color=FORECAST_COLOUR, linewidth=1.2, label="forecast")
        ax.axvline(times[0], color="#888888", linestyle=":", linewidth=1)
    elif demand is not None and demand.note:
        ax.set_title(f"(no forecast: {demand.note})", fontsize=9, color="#555555", loc="right")
    ax.set_ylabel("orders per hour")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    figure.suptitle(title)
    figure.autofmt_xdate()
    return figure


def peak_heatmap(peaks: PeakHoursView, title: str) -> Figure:
    """Average orders per hour of the week; peak hours framed, peak runs listed."""
    figure = _figure((11, 4.2))
    ax = figure.add_subplot()
    grid = np.array([cell.orders_per_hour for cell in peaks.cells]).reshape(7, 24)
    image = ax.imshow(grid, aspect="auto", cmap="YlOrRd", interpolation="nearest")
    for cell in peaks.cells:
        if cell.peak:
            ax.add_patch(_frame(cell.hour - 0.5, cell.weekday - 0.5))
    ax.set_yticks(range(7), [name[:3] for name in WEEKDAYS])
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)], fontsize=8)
    figure.colorbar(image, ax=ax, label="orders per hour (average)")
    runs = ", ".join(block.label for block in peaks.blocks[:4]) or "no hour above the threshold"
    ax.set_title(f"peaks (> +{peaks.threshold:.0%} over the mean of {peaks.mean_orders_per_hour:.1f}/h): {runs}",
                 fontsize=9)
    figure.suptitle(title)
    return figure


def _frame(x: float, y: float) -> Rectangle:
    return Rectangle((x, y), 1, 1, fill=False, edgecolor="#222222", linewidth=1.2)


def zone_heat_grid(grid: HeatGridView, zones: Sequence[tuple[str, dict[str, Any]]], title: str) -> Figure:
    """Orders per grid cell on a log colour scale, with the zones' boundaries drawn over them."""
    figure = _figure((8, 8))
    ax = figure.add_subplot()
    if not grid.cells:
        _note(figure, "no orders in this range")
        ax.set_axis_off()
        figure.suptitle(title)
        return figure
    rows = [c.row for c in grid.cells]
    cols = [c.col for c in grid.cells]
    first_row, first_col = min(rows), min(cols)
    counts = np.full((max(rows) - first_row + 1, max(cols) - first_col + 1), np.nan)
    for cell in grid.cells:
        counts[cell.row - first_row, cell.col - first_col] = cell.orders
    south = min(c.south for c in grid.cells)
    west = min(c.west for c in grid.cells)
    lat_step = grid.cells[0].north - grid.cells[0].south
    lon_step = grid.cells[0].east - grid.cells[0].west
    lat_edges = south + lat_step * np.arange(counts.shape[0] + 1)
    lon_edges = west + lon_step * np.arange(counts.shape[1] + 1)
    mesh = ax.pcolormesh(lon_edges, lat_edges, np.ma.masked_invalid(counts), cmap="magma_r",
                         norm=LogNorm(vmin=1, vmax=max(grid.busiest, 2)))
    for code, boundary in zones:
        for ring in _rings(boundary):
            ax.add_patch(PolygonPatch(ring, closed=True, fill=False, edgecolor="#1b6ca8", linewidth=1.0))
            centre = np.mean(ring, axis=0)
            ax.text(centre[0], centre[1], code, fontsize=8, color="#1b6ca8", ha="center", va="center")
    ax.set_aspect(1 / math.cos(math.radians(GRID_LATITUDE)))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    figure.colorbar(mesh, ax=ax, label=f"orders per {grid.cell_size_m} m cell", shrink=0.8)
    ax.set_title(f"{grid.orders} orders, busiest cell {grid.busiest}", fontsize=9)
    figure.suptitle(title)
    return figure


def _rings(boundary: dict[str, Any]) -> list[np.ndarray]:
    """The outer rings of a GeoJSON Polygon or MultiPolygon, as lon/lat arrays."""
    polygons = [boundary["coordinates"]] if boundary.get("type") == "Polygon" else boundary.get("coordinates", [])
    return [np.asarray(polygon[0], dtype=float) for polygon in polygons if polygon]


def couriers_needed(recommendation: StaffingRecommendationView, title: str) -> Figure:
    """Couriers recommended each hour of the day (all zones, by vehicle type) against those on the roster."""
    figure = _figure()
    ax = figure.add_subplot()
    if not recommendation.ready:
        _note(figure, recommendation.note or "no recommendation yet")
        ax.set_axis_off()
        figure.suptitle(title)
        return figure
    hours = sorted({h.hour for h in recommendation.hours})
    index = {hour: i for i, hour in enumerate(hours)}
    kinds = sorted({c.vehicle_type for h in recommendation.hours for c in h.couriers})
    stacked = np.zeros((len(kinds), len(hours)))
    planned = np.zeros(len(hours))
    short = np.zeros(len(hours))
    for h in recommendation.hours:
        planned[index[h.hour]] += h.planned_couriers
        short[index[h.hour]] += h.shortfall
        for c in h.couriers:
            stacked[kinds.index(c.vehicle_type), index[h.hour]] += c.couriers
    x = np.arange(len(hours))
    bottom = np.zeros(len(hours))
    for k, kind in enumerate(kinds):
        ax.bar(x, stacked[k], bottom=bottom, width=0.8, label=f"needed: {kind}")
        bottom += stacked[k]
    ax.step(np.append(x, x[-1] + 1) - 0.5, np.append(planned, planned[-1]), where="post", color="#222222",
            linewidth=1.5, label="planned on the roster")
    for i in np.flatnonzero(short > 0):
        ax.annotate("short", (x[i], bottom[i]), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=7,
                    color="#b2182b")
    ax.set_xticks(x[::2], [f"{hours[i]:%H:%M}" for i in range(0, len(hours), 2)], fontsize=8)
    ax.set_ylabel("couriers on shift")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    gaps = sum(1 for g in recommendation.gaps if g.status == "SHORT")
    ax.set_title(f"demand: {recommendation.demand_band} of the forecast; {gaps} zone-hours short on the roster",
                 fontsize=9)
    figure.suptitle(title)
    return figure
