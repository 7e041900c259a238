"""`peisong forecast backtest`: how well the order forecast would have done on the store's own history.

The history is read from the analytics projection (orders per zone and local hour). A store
without orders first gets a generated year through the application's batched commands
(`sim/shop_history.py`), so the command also shows what the forecaster does with a realistic
shop: trend, weekly and daily seasons, holidays and promotions, noise.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import click

from domain.settings import Settings


@click.group(help="Demand forecasting on the store's order history.")
def forecast() -> None:
    pass


@forecast.command(help="Forecast each of the last WEEKS weeks from the weeks before it and compare the weighted "
                  "absolute percentage error (WAPE) with the seasonal-naive baseline (same hour last week). "
                  "An empty store first gets a generated year of orders.")
@click.option("--database-url", envvar="PEISONG_DATABASE_URL", default=None,
              help="Event store; default sqlite:///peisong.db (env PEISONG_DATABASE_URL).")
@click.option("--weeks", default=4, show_default=True, type=click.IntRange(1, 52), help="Weeks to score.")
@click.option("--fit-weeks", default=8, show_default=True, type=click.IntRange(2, 52),
              help="Weeks of history each forecast fits its ordinary week to.")
@click.option("--days", "history_days", default=364, show_default=True, type=click.IntRange(28, 3 * 366),
              help="Days of history to generate when the store has no orders.")
@click.option("--orders-per-day", default=300.0, show_default=True, type=click.FloatRange(1, 1_000_000),
              help="Orders on an ordinary day at the start of the generated history (the shop then grows).")
@click.option("--zones", default=6, show_default=True, type=click.IntRange(1, 100), help="Zones of the generated city.")
@click.option("--seed", default=2026, show_default=True, type=int, help="Seed of the generated history.")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The generated history ends at the midnight starting this day (default: today).")
def backtest(database_url: str | None, weeks: int, fit_weeks: int, history_days: int, orders_per_day: float,
             zones: int, seed: int, until: datetime | None) -> None:
    import numpy as np

    from domain.app import Peisong
    from domain.clock import ManualClock
    from projections.analytics import AnalyticsProjector
    from projections.database import ReadDatabase
    from projections.forecasts import business_today
    from projections.order_analysis import hourly_history, last_order_day, order_zones
    from projections.runner import ProjectionRunner
    from sim.shop_history import HistoryPlan, import_history
    from solver.forecast import HOURS_PER_WEEK, backtest as score

    settings = Settings.from_env(**({"database_url": database_url} if database_url else {}))
    clock = ManualClock(datetime.now(timezone.utc))
    application = Peisong(settings, clock)
    db = ReadDatabase(settings)
    try:
        if application.head_position() == 0:
            last = until.date() if until else business_today(clock.now(), settings.business_timezone)
            plan = HistoryPlan(until=last, days=history_days, orders_per_day=orders_per_day, zones=zones, seed=seed,
                               timezone=settings.business_timezone)
            click.echo(f"the store is empty: generating {history_days} days of orders to {last} "
                       f"(about {plan.expected_orders():,} orders in {zones} zones, seed {seed})")
            with _progress("placing orders") as bar:
                report = import_history(application, clock, plan, progress=_reporter(bar))
            click.echo(f"placed {report.orders:,} orders ({report.events:,} events) in {report.seconds:.1f} s: "
                       f"{report.orders_per_second:,.0f} orders/s through place_orders")
        runner = ProjectionRunner(application, db, projections=[AnalyticsProjector(settings.business_timezone)],
                                  policies=())
        runner.catch_up()
        end = last_order_day(db)
        if end is None:
            raise click.ClickException("the store holds no orders to learn from")
        today = business_today(clock.now(), settings.business_timezone)
        history = hourly_history(db, min(date.fromordinal(end.toordinal() + 1), today), order_zones(db))
        needed = (weeks + 2) * HOURS_PER_WEEK
        if history is None or history.hours < needed:
            have = 0 if history is None else history.hours // 24
            raise click.ClickException(f"{weeks} weeks to score need {needed // 24} whole days of orders; "
                                       f"the store has {have}")
        click.echo(f"history: {history.start:%Y-%m-%d} to {history.end:%Y-%m-%d}, {history.counts.sum():,.0f} orders "
                   f"in {len(history.zones)} zones; scoring the last {weeks} weeks")
        with np.errstate(over="ignore", invalid="ignore"):  # bands of hours that never see an order: unused here
            result = score(history, weeks=weeks, fit_weeks=fit_weeks)
        for week in result.weeks:
            click.echo(f"week from {week.start:%Y-%m-%d}: model WAPE {week.model_wape:.1%}, "
                       f"baseline WAPE {week.baseline_wape:.1%}")
        click.echo(f"the model's error is {result.improvement:.1%} lower than the baseline's")
        click.echo(f"model WAPE: {result.model_wape:.1%}")
        click.echo(f"baseline WAPE: {result.baseline_wape:.1%}")
    finally:
        db.close()
        application.close()


def _progress(description: str):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(desc=description, unit=" orders", leave=True, dynamic_ncols=True, mininterval=0.5, disable=None)


def _reporter(bar):  # type: ignore[no-untyped-def]
    def report(stage: str, done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return report
