"""The `peisong` command: serve the API, run the demo, rebuild projections, print tokens."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import click

from domain.settings import Settings

ROLES = ("admin", "dispatcher", "warehouse", "courier", "customer", "auditor", "integrator")
DEMO_SUBJECTS = {"courier": "COURIER-01", "customer": "CUST-0001"}
DEMO_DATABASE_URL = "sqlite:///peisong-demo.db"


def _settings(database_url: str | None) -> Settings:
    return Settings.from_env(**({"database_url": database_url} if database_url else {}))


@click.group(help="Peisong (配送): the delivery back office. Every fact is an event; every read a projection.")
def main() -> None:
    pass


@main.command(help="Serve the GraphQL API (and run projections and policies) on HOST:PORT.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--database-url", envvar="PEISONG_DATABASE_URL", default=None,
              help="Event store; default sqlite:///peisong.db (env PEISONG_DATABASE_URL).")
@click.option("--no-worker", is_flag=True,
              help="Leave projections, policies and planning to separate `peisong worker` processes (PostgreSQL).")
def serve(host: str, port: int, database_url: str | None, no_worker: bool) -> None:
    _serve(_settings(database_url), host, port, run_worker=not no_worker)


def _serve(settings: Settings, host: str, port: int, run_worker: bool = True) -> None:
    from api.app import create_app

    serve_app(create_app(settings, run_worker=run_worker), host, port)


def serve_app(app: Any, host: str, port: int) -> None:
    import uvicorn

    # A live SSE tail never ends by itself: give open streams a few seconds, then stop.
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)


@main.command(help="Run projections, policies, planning, waves and the outbox without serving HTTP.")
@click.option("--database-url", envvar="PEISONG_DATABASE_URL", default=None)
def worker(database_url: str | None) -> None:
    import signal
    import threading

    from api.workers import Workers
    from domain.app import Peisong
    from projections.database import ReadDatabase
    from projections.runner import ProjectionRunner

    settings = _settings(database_url)
    application = Peisong(settings)
    db = ReadDatabase(settings)
    db.create_all()
    workers = Workers.build(application, db, settings, ProjectionRunner(application, db))
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    workers.start()
    click.echo(f"worker following {settings.database_url}; Ctrl-C to stop")
    stopping.wait()
    workers.stop()
    workers.close()
    db.close()
    application.close()


@main.command(help="Load the demo shop into a fresh SQLite store, print a token per role, and serve it with a "
                   "live simulated day running on it in real time (new orders, waves, couriers riding).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--database-url", default=DEMO_DATABASE_URL, show_default=True,
              help="Where the demo lives; the default demo file is recreated on every run.")
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load the data and print the tokens, then exit.")
@click.option("--no-live", is_flag=True, help="Serve the demo as loaded, without a live simulated day.")
def demo(host: str, port: int, database_url: str, seed: int, no_serve: bool, no_live: bool) -> None:
    from domain.app import Peisong
    from domain.clock import ManualClock
    from sim.demo import load_demo, demo_now

    settings = _settings(database_url)
    if database_url == DEMO_DATABASE_URL:
        _remove_sqlite_files(settings.sqlite_path)
    clock = ManualClock(demo_now())
    application = Peisong(settings, clock)
    if application.head_position() == 0:
        with _progress_bar("loading the demo shop") as bar:
            def report(stage: str, done: int, total: int) -> None:
                bar.set_description(f"demo: {stage}")
                bar.total = total
                bar.n = done
                bar.refresh()

            figures = load_demo(application, clock, seed=seed, progress=report)
        click.echo("demo shop: " + ", ".join(f"{value} {name}" for name, value in figures.items()))
    else:
        click.echo(f"the store already holds {application.head_position()} events; serving it as it is")
    application.close()
    _catch_up_projections(settings)
    click.echo("\nBearer tokens (send as 'Authorization: Bearer <token>'):")
    for role, token in demo_tokens(settings).items():
        click.echo(f"  {role:<11} {token}")
    click.echo(f"\nGraphQL: http://{host}:{port}/graphql")
    if no_serve:
        return
    if no_live:
        _serve(settings, host, port)
        return
    from api.cli_live import serve_live

    serve_live(settings, host, port, lambda application: _live_demo_day(application, seed, click.echo))


def _live_demo_day(application: Any, seed: int, echo: Callable[[str], None]) -> Any:
    """Today's simulated day on the demo shop (`sim.demo_city`), told to the console now and then."""
    from sim.demo_city import LIVE_FLEET
    from sim.live import LiveReport, demo_live_day

    crew = sum(count for _, count in LIVE_FLEET)
    echo(f"live day: {crew} couriers (LIVE-001..LIVE-{crew:03d}) join the demo's, their shifts begin in about "
         "5 minutes and the demo's customers order again; a line every few minutes follows it "
         "(--no-live serves the demo without it)")
    return demo_live_day(application, seed, progress=LiveReport(echo))


def demo_tokens(settings: Settings) -> dict[str, str]:
    from api.auth import issue_token

    return {role: issue_token(settings, role, DEMO_SUBJECTS.get(role)) for role in ROLES}


@main.command(help="Rebuild every projection from the event log, from zero.")
@click.option("--database-url", envvar="PEISONG_DATABASE_URL", default=None)
def replay(database_url: str | None) -> None:
    from domain.app import Peisong
    from projections.database import ReadDatabase
    from projections.replay import rebuild

    settings = _settings(database_url)
    application = Peisong(settings)
    db = ReadDatabase(settings)
    with _progress_bar("replaying") as bar:
        def report(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        stats = rebuild(application, db, progress=report)
    click.echo(f"replayed {stats.events} events in {stats.seconds:.2f} s ({stats.rate:,.0f} events/s)")
    db.close()
    application.close()


@main.command(help="Print a bearer token for a role (and the subject it acts as).")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--subject", default=None, help="Courier id for 'courier', customer reference for 'customer'.")
@click.option("--ttl-hours", default=None, type=int, help="Lifetime; default PEISONG_TOKEN_TTL_HOURS.")
def token(role: str, subject: str | None, ttl_hours: int | None) -> None:
    from api.auth import issue_token

    if role in ("courier", "customer") and not subject:
        raise click.UsageError(f"a {role} token needs --subject")
    click.echo(issue_token(_settings(None), role, subject, ttl_hours))


def _catch_up_projections(settings: Settings) -> None:
    from domain.app import Peisong
    from projections.database import ReadDatabase
    from projections.runner import ProjectionRunner

    application = Peisong(settings)
    db = ReadDatabase(settings)
    db.create_all()
    started = time.perf_counter()
    runner = ProjectionRunner(application, db)
    runner.catch_up()
    click.echo(f"projections caught up with {runner.head()} events in {time.perf_counter() - started:.1f} s")
    db.close()
    application.close()


def _progress_bar(description: str):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    # Redrawn at most twice a second; left out when the output is not a terminal.
    return tqdm(desc=description, unit=" items", leave=True, dynamic_ncols=True, mininterval=0.5, disable=None)


def _remove_sqlite_files(path: Path) -> None:
    """The demo starts from nothing: its event store, its read models and their journals."""
    from projections.database import read_path_beside

    for database in (path, read_path_beside(path)):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)


from api.cli_audit import audit  # noqa: E402
from api.cli_forecast import forecast  # noqa: E402
from api.cli_simulate import simulate  # noqa: E402

main.add_command(audit)
main.add_command(forecast)
main.add_command(simulate)
