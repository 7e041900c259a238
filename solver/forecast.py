"""Orders per zone per hour for the coming week, with prediction intervals, learnt from the order history.

The model, for each zone, in two stages:

1. **Special days** (learnt from the whole history, all zones together, because a holiday or a promotion moves
   the whole city and one zone has too few orders on a few days to tell its effect from noise). Each past
   special day is set against its *ordinary neighbours*: the nearest same weekdays (up to two before and two
   after, within five weeks) that are not special. Its **level** is the day's orders over theirs; a name seen
   several times (``"Double 11"`` of two years) gets the geometric mean of its levels, and their spread in
   log terms is the uncertainty of its next occurrence. Levels are kept apart for special days falling on a
   weekday and on a weekend, since a day off on a Wednesday is a quiet Sunday but a busy Wednesday. Each
   **kind** (promotion, public holiday, ...) also learns an **hour-of-day shape**: how the special day's
   hours differ from an ordinary day's once the level is taken out (a day off starts late; a make-up
   workday has a lunch peak on a Sunday), each hour shrunk towards no change by one average hour's worth
   of orders so that quiet night hours do not swing. A future special day gets
   ``level(name) * shape(kind)[hour]``; a name never seen borrows its kind's level; a kind never seen is
   treated as an ordinary day; a day with two special reasons is left out of the learning (it cannot tell
   them apart) and gets the product of their factors.
2. **The ordinary week**: a Poisson GLM with a log link (``statsmodels``) on the last ``fit_weeks`` weeks,
   ``log E[orders] = a + b * week + day-of-week + hour-of-day (Monday-Friday) + hour-of-day (weekend)`` with
   the hours as ten daily Fourier harmonics (smooth, so an hour that happened to have no orders does not run
   off to minus infinity), and the learnt special-day factors as a fixed offset so that past special days neither
   distort the fit nor are thrown away. The trend is the local growth rate, extrapolated over the horizon.

The prediction interval of an hour combines the count noise (Poisson, widened by the overdispersion the
GLM measures) with the uncertainty of the fitted mean (the GLM's covariance) and of the special-day effect
(its spread between occurrences): a negative binomial with that mean and variance, whose quantiles are the
bands. A band always contains the mean, also for near-empty night hours where a quantile of a count falls
below it.

Times are the shop's local wall-clock hours (China keeps no daylight saving time, so an hourly series has
no gaps or repeats); callers convert timestamps to ``Asia/Shanghai`` before counting.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from scipy import stats
from threadpoolctl import threadpool_limits

from solver.calendar import Calendar, SpecialDay, china_calendar

HOURS_PER_WEEK = 168
DAILY_HARMONICS = 10
NEIGHBOUR_WEEKS = 5
NEIGHBOURS_EACH_SIDE = 2


@dataclass(frozen=True, eq=False)
class OrderHistory:
    """Orders placed per zone per hour: ``counts[z, h]`` for zone ``zones[z]`` in the hour starting
    ``start + h`` hours (local wall-clock time)."""

    start: datetime
    zones: tuple[str, ...]
    counts: np.ndarray

    def __post_init__(self) -> None:
        counts = np.array(self.counts, dtype=float)
        if counts.ndim != 2 or counts.shape[0] != len(self.zones):
            raise ValueError(f"counts must be zones x hours, {len(self.zones)} rows; got shape {counts.shape}")
        if len(set(self.zones)) != len(self.zones):
            raise ValueError("zone names must be distinct")
        if (counts < 0).any() or not np.isfinite(counts).all():
            raise ValueError("counts must be finite and non-negative")
        if self.start.minute or self.start.second or self.start.microsecond:
            raise ValueError(f"a history starts on the hour, not at {self.start.time()}")
        counts.setflags(write=False)
        object.__setattr__(self, "zones", tuple(self.zones))
        object.__setattr__(self, "counts", counts)

    @property
    def hours(self) -> int:
        return self.counts.shape[1]

    @property
    def end(self) -> datetime:
        """The first hour after the history."""
        return self.start + timedelta(hours=self.hours)

    def zone(self, name: str) -> np.ndarray:
        return self.counts[self.zones.index(name)]

    def head(self, hours: int) -> OrderHistory:
        """The first ``hours`` hours: the history as it stood at an earlier moment."""
        return OrderHistory(self.start, self.zones, self.counts[:, :hours])

    def window(self, first_hour: int, hours: int) -> OrderHistory:
        return OrderHistory(
            self.start + timedelta(hours=first_hour), self.zones, self.counts[:, first_hour : first_hour + hours]
        )

    @classmethod
    def from_orders(
        cls, start: datetime, hours: int, zones: Sequence[str], orders: Iterable[tuple[datetime, str]]
    ) -> OrderHistory:
        """Count ``(placed_at, zone)`` pairs into hours; orders outside the span or the zones are left out."""
        index = {z: i for i, z in enumerate(zones)}
        counts = np.zeros((len(zones), hours))
        for placed_at, zone in orders:
            h = math.floor((placed_at - start).total_seconds() / 3600)
            if zone in index and 0 <= h < hours:
                counts[index[zone], h] += 1
        return cls(start, tuple(zones), counts)


@dataclass(frozen=True)
class SpecialDayEffect:
    """What one special day (by name, on a weekday or on a weekend) did to demand: its ``factor`` against
    ordinary same weekdays, the past ``occurrences`` it was learnt from and the ``spread`` of the log factor
    between them (0 when there is nothing to measure it from)."""

    name: str
    kind: str
    weekend: bool
    factor: float
    occurrences: int
    spread: float


@dataclass(frozen=True)
class KindEffect:
    """What a kind of special day does in general on a weekday or a weekend: its typical factor, its spread
    and its hour-of-day shape (the factor of each hour once the day's level is taken out)."""

    kind: str
    weekend: bool
    factor: float
    occurrences: int
    spread: float
    shape: tuple[float, ...]


@dataclass(frozen=True)
class SpecialDayEffects:
    """The special-day effects learnt from a history, keyed by (name or kind, falls on a weekend).

    Weekdays and weekends are kept apart because a special day is measured against its ordinary
    neighbours: a day off on a Wednesday is a quiet Sunday but a busy Wednesday."""

    names: Mapping[tuple[str, bool], SpecialDayEffect] = field(default_factory=dict)
    kinds: Mapping[tuple[str, bool], KindEffect] = field(default_factory=dict)

    def for_day(self, day: SpecialDay) -> tuple[np.ndarray, float]:
        """The hourly factors (24) and the log-scale variance a future occurrence of ``day`` gets: from the
        same name on the same side of the week, else its kind there, else the same name on the other side,
        else its kind there, else none (an ordinary day)."""
        weekend = day.date.weekday() >= 5
        kind = self.kinds.get((day.kind, weekend)) or self.kinds.get((day.kind, not weekend))
        shape = np.asarray(kind.shape) if kind else np.ones(24)
        for side in (weekend, not weekend):
            named = self.names.get((day.name, side))
            if named and named.kind == day.kind:
                spread = named.spread if named.occurrences >= 2 else (kind.spread if kind else 0.0)
                return named.factor * shape, spread**2
            general = self.kinds.get((day.kind, side))
            if general:
                return general.factor * shape, general.spread**2
        return np.ones(24), 0.0


@dataclass(frozen=True, eq=False)
class ZoneForecast:
    """One zone's forecast: expected orders per hour and, per level, the band's lower and upper bounds."""

    zone: str
    mean: np.ndarray
    lower: Mapping[float, np.ndarray]
    upper: Mapping[float, np.ndarray]


@dataclass(frozen=True, eq=False)
class Forecast:
    """Hourly orders per zone from ``start`` for ``hours`` hours, the special days in that span and the
    effects learnt for them."""

    start: datetime
    hours: int
    levels: tuple[float, ...]
    zones: tuple[ZoneForecast, ...]
    special_days: tuple[SpecialDay, ...]
    effects: SpecialDayEffects

    def zone(self, name: str) -> ZoneForecast:
        for zone in self.zones:
            if zone.zone == name:
                return zone
        raise KeyError(name)

    @property
    def zone_names(self) -> tuple[str, ...]:
        return tuple(z.zone for z in self.zones)

    def timestamps(self) -> list[datetime]:
        return [self.start + timedelta(hours=h) for h in range(self.hours)]

    def mean(self) -> np.ndarray:
        """Zones x hours."""
        return np.array([z.mean for z in self.zones]).reshape(len(self.zones), self.hours)

    def lower(self, level: float) -> np.ndarray:
        return np.array([z.lower[level] for z in self.zones]).reshape(len(self.zones), self.hours)

    def upper(self, level: float) -> np.ndarray:
        return np.array([z.upper[level] for z in self.zones]).reshape(len(self.zones), self.hours)


@dataclass(frozen=True)
class BacktestWeek:
    """One scored week, so a bad week (a holiday the model had never seen) shows rather than averages away."""

    start: datetime
    model_wape: float
    baseline_wape: float


@dataclass(frozen=True)
class BacktestResult:
    """Weighted absolute percentage errors over all zones, hours and weeks scored, and week by week."""

    model_wape: float
    baseline_wape: float
    weeks: tuple[BacktestWeek, ...]

    @property
    def improvement(self) -> float:
        """How much lower the model's error is than the baseline's, relative to the baseline's."""
        return 1.0 - self.model_wape / self.baseline_wape


def forecast_orders(
    history: OrderHistory,
    horizon_hours: int = HOURS_PER_WEEK,
    calendar: Calendar | None = None,
    levels: Sequence[float] = (0.8, 0.95),
    *,
    fit_weeks: int = 8,
) -> Forecast:
    """Forecast each zone's orders for the ``horizon_hours`` after the history; ``calendar`` defaults to the
    Chinese public holidays and promotions of the years involved."""
    if history.hours < 2 * HOURS_PER_WEEK:
        raise ValueError(f"a forecast needs at least two weeks of history, got {history.hours} hours")
    if horizon_hours < 1:
        raise ValueError("the horizon must be at least one hour")
    if not all(0 < level < 1 for level in levels):
        raise ValueError(f"levels are coverage probabilities between 0 and 1, got {tuple(levels)}")
    calendar = (
        calendar
        if calendar is not None
        else _default_calendar(history.start, history.end + timedelta(hours=horizon_hours))
    )
    effects = learn_special_day_effects(history, calendar)

    fit_hours = min(history.hours, fit_weeks * HOURS_PER_WEEK)
    fit_first = history.hours - fit_hours
    fit_start = history.start + timedelta(hours=fit_first)
    x_fit = _design(fit_start, fit_hours, origin=history.end)
    x_new = _design(history.end, horizon_hours, origin=history.end)
    offset_fit, _ = _special_offsets(fit_start, fit_hours, calendar, effects)
    offset_new, spread_new = _special_offsets(history.end, horizon_hours, calendar, effects)

    zones = []
    # the matrices are small: BLAS threads only fight each other (and a busy machine) here, ten times slower
    with threadpool_limits(limits=1, user_api="blas"):
        fits = [
            _zone_mean_and_variance(history.counts[z, fit_first:], x_fit, offset_fit, x_new, offset_new, spread_new)
            for z in range(len(history.zones))
        ]
    for name, (mean, variance) in zip(history.zones, fits):
        lower, upper = {}, {}
        for level in levels:
            low, high = _predictive_quantiles(mean, variance, (1 - level) / 2, (1 + level) / 2)
            lower[level], upper[level] = np.minimum(low, mean), np.maximum(high, mean)
        zones.append(ZoneForecast(name, mean, lower, upper))
    horizon_days = calendar.between(history.end.date(), (history.end + timedelta(hours=horizon_hours - 1)).date())
    return Forecast(history.end, horizon_hours, tuple(levels), tuple(zones), horizon_days, effects)


def seasonal_naive(history: OrderHistory, horizon_hours: int = HOURS_PER_WEEK) -> np.ndarray:
    """The baseline every model must beat: each hour gets the orders of the same hour a week earlier
    (zones x hours; beyond a week the last week repeats)."""
    if history.hours < HOURS_PER_WEEK:
        raise ValueError("the seasonal naive forecast needs a week of history")
    last_week = history.counts[:, -HOURS_PER_WEEK:]
    return last_week[:, np.arange(horizon_hours) % HOURS_PER_WEEK]


def wape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Weighted absolute percentage error: total absolute error over total actual orders, so busy hours
    weigh more than empty ones and an empty hour cannot blow the score up."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    if actual.shape != predicted.shape:
        raise ValueError(f"actual {actual.shape} and predicted {predicted.shape} differ in shape")
    total = np.abs(actual).sum()
    if total == 0:
        raise ValueError("WAPE is undefined when there were no orders at all")
    return float(np.abs(actual - predicted).sum() / total)


def backtest(
    history: OrderHistory, weeks: int = 3, calendar: Calendar | None = None, *, fit_weeks: int = 8
) -> BacktestResult:
    """Score the model against the seasonal naive baseline on the last ``weeks`` weeks of ``history``, each
    forecast from the weeks before it only (rolling origin)."""
    if weeks < 1:
        raise ValueError("score at least one week")
    if history.hours - weeks * HOURS_PER_WEEK < 2 * HOURS_PER_WEEK:
        raise ValueError(f"{weeks} weeks to score need at least {weeks + 2} weeks of history")
    calendar = calendar if calendar is not None else _default_calendar(history.start, history.end)
    model_error = baseline_error = total = 0.0
    scored = []
    for k in range(weeks, 0, -1):
        origin = history.hours - k * HOURS_PER_WEEK
        past = history.head(origin)
        actual = history.counts[:, origin : origin + HOURS_PER_WEEK]
        model = forecast_orders(past, HOURS_PER_WEEK, calendar, levels=(0.8,), fit_weeks=fit_weeks).mean()
        baseline = seasonal_naive(past, HOURS_PER_WEEK)
        scored.append(BacktestWeek(past.end, wape(actual, model), wape(actual, baseline)))
        model_error += np.abs(actual - model).sum()
        baseline_error += np.abs(actual - baseline).sum()
        total += actual.sum()
    return BacktestResult(model_error / total, baseline_error / total, tuple(scored))


def learn_special_day_effects(history: OrderHistory, calendar: Calendar) -> SpecialDayEffects:
    """Each past special day's orders against its ordinary neighbours, gathered by name and by kind."""
    skip = (24 - history.start.hour) % 24  # the hours before the first midnight
    first_day = (history.start + timedelta(hours=skip)).date()
    full_days = (history.hours - skip) // 24
    if full_days < 1:
        return SpecialDayEffects()
    shop = history.counts.sum(axis=0)[skip : skip + full_days * 24].reshape(full_days, 24)
    dates = [first_day + timedelta(days=d) for d in range(full_days)]
    ordinary = np.array([not calendar.on(d) for d in dates])

    occurrences: dict[tuple[str, bool], list[tuple[SpecialDay, float, np.ndarray, np.ndarray]]] = {}
    for d, day in enumerate(dates):
        specials = calendar.on(day)
        if len(specials) != 1:
            continue  # a day with two special reasons cannot tell them apart
        neighbours = _ordinary_neighbours(d, ordinary)
        if not neighbours:
            continue
        baseline = shop[neighbours].mean(axis=0)
        level = shop[d].sum() / baseline.sum() if baseline.sum() > 0 else 0.0
        if level > 0:
            key = (specials[0].name, day.weekday() >= 5)
            occurrences.setdefault(key, []).append((specials[0], level, shop[d], baseline))

    names: dict[tuple[str, bool], SpecialDayEffect] = {}
    by_kind: dict[tuple[str, bool], list[tuple[tuple[str, bool], float, np.ndarray, np.ndarray]]] = {}
    for key, seen in occurrences.items():
        logs = np.log([level for _, level, _, _ in seen])
        spread = float(np.std(logs, ddof=1)) if len(logs) >= 2 else 0.0
        kind = seen[0][0].kind
        names[key] = SpecialDayEffect(key[0], kind, key[1], float(np.exp(logs.mean())), len(seen), spread)
        by_kind.setdefault((kind, key[1]), []).extend((key, level, actual, base) for _, level, actual, base in seen)

    kinds: dict[tuple[str, bool], KindEffect] = {}
    for (kind, weekend), seen in by_kind.items():
        logs = np.log([level for _, level, _, _ in seen])
        repeated = {key for key, *_ in seen if names[key].occurrences >= 2}
        within = [np.log(level) - np.log(names[key].factor) for key, level, _, _ in seen if key in repeated]
        if len(within) > len(repeated):
            # pooled within-name spread: how much one name varies from one occurrence to the next
            spread = float(np.sqrt(np.sum(np.square(within)) / (len(within) - len(repeated))))
        elif len(logs) >= 2:
            spread = float(np.std(logs, ddof=1))
        else:
            spread = 0.0
        actual = np.sum([a for _, _, a, _ in seen], axis=0)
        expected = np.sum([level * base for _, level, _, base in seen], axis=0)
        prior = expected.sum() / 24 / len(seen)  # one average hour of one occurrence
        shape = (actual + prior) / (expected + prior)
        kinds[(kind, weekend)] = KindEffect(
            kind, weekend, float(np.exp(logs.mean())), len(seen), spread, tuple(float(s) for s in shape)
        )
    return SpecialDayEffects(names, kinds)


def _ordinary_neighbours(d: int, ordinary: np.ndarray) -> list[int]:
    before = [d - 7 * k for k in range(1, NEIGHBOUR_WEEKS + 1) if d - 7 * k >= 0 and ordinary[d - 7 * k]]
    after = [d + 7 * k for k in range(1, NEIGHBOUR_WEEKS + 1) if d + 7 * k < len(ordinary) and ordinary[d + 7 * k]]
    return before[:NEIGHBOURS_EACH_SIDE] + after[:NEIGHBOURS_EACH_SIDE]


def _default_calendar(first: datetime, last: datetime) -> Calendar:
    return china_calendar(first.year, last.year)


def _design(start: datetime, hours: int, origin: datetime) -> np.ndarray:
    """The GLM's columns for ``hours`` hours from ``start``: intercept, trend in weeks since ``origin``,
    day-of-week dummies (Monday is the reference) and workday / weekend hour-of-day Fourier terms."""
    steps = np.arange(hours)
    moments = [start + timedelta(hours=int(h)) for h in steps]
    weekday = np.array([m.weekday() for m in moments])
    hour = np.array([m.hour for m in moments], dtype=float)
    weeks = ((start - origin).total_seconds() / 3600 + steps) / HOURS_PER_WEEK
    weekend = (weekday >= 5).astype(float)
    columns = [np.ones(hours), weeks]
    columns += [(weekday == d).astype(float) for d in range(1, 7)]
    for k in range(1, DAILY_HARMONICS + 1):
        angle = 2 * np.pi * k * hour / 24
        for wave in (np.sin(angle), np.cos(angle)):
            columns += [wave * (1 - weekend), wave * weekend]
    return np.column_stack(columns)


def _special_offsets(
    start: datetime, hours: int, calendar: Calendar, effects: SpecialDayEffects
) -> tuple[np.ndarray, np.ndarray]:
    """Per hour, the log of the special-day factor and its variance."""
    offset, variance = np.zeros(hours), np.zeros(hours)
    cache: dict[date, tuple[np.ndarray, float]] = {}
    for h in range(hours):
        moment = start + timedelta(hours=h)
        day = moment.date()
        if day not in cache:
            factors, var = np.ones(24), 0.0
            for special in calendar.on(day):
                f, v = effects.for_day(special)
                factors, var = factors * f, var + v
            cache[day] = (np.log(factors), var)
        offset[h] = cache[day][0][moment.hour]
        variance[h] = cache[day][1]
    return offset, variance


def _zone_mean_and_variance(
    counts: np.ndarray,
    x_fit: np.ndarray,
    offset_fit: np.ndarray,
    x_new: np.ndarray,
    offset_new: np.ndarray,
    spread_new: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit the zone's GLM; the forecast mean and the predictive variance of each new hour."""
    if counts.sum() == 0:
        return np.zeros(len(x_new)), np.zeros(len(x_new))
    import statsmodels.api as sm  # here, not at the top: it takes seconds to import, the calendar needs none of it

    result = sm.GLM(counts, x_fit, family=sm.families.Poisson(), offset=offset_fit).fit(scale="X2")
    params, cov = result.params, result.cov_params()
    eta = x_new @ params + offset_new
    mean = np.exp(eta)
    eta_var = np.einsum("ij,jk,ik->i", x_new, cov, x_new) + spread_new
    dispersion = max(float(result.scale), 1.0)
    variance = dispersion * mean + mean**2 * np.expm1(eta_var)
    return mean, variance


def _predictive_quantiles(
    mean: np.ndarray, variance: np.ndarray, low: float, high: float
) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles of the count with this mean and variance: negative binomial when overdispersed, else Poisson."""
    lower, upper = np.zeros_like(mean), np.zeros_like(mean)
    positive = mean > 0
    over = positive & (variance > mean * (1 + 1e-9))
    if over.any():
        m, v = mean[over], variance[over]
        n, p = m * m / (v - m), m / v
        lower[over], upper[over] = stats.nbinom.ppf(low, n, p), stats.nbinom.ppf(high, n, p)
    plain = positive & ~over
    if plain.any():
        lower[plain], upper[plain] = stats.poisson.ppf(low, mean[plain]), stats.poisson.ppf(high, mean[plain])
    return lower, upper
