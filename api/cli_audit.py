"""`peisong audit`: check the log's hash chain, and export the log with its chain for checking elsewhere."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from domain.settings import Settings


def _application(database_url: str | None):  # type: ignore[no-untyped-def]
    from domain.app import Peisong

    settings = Settings.from_env(**({"database_url": database_url} if database_url else {}))
    return Peisong(settings)


@click.group(help="Audit the event log: verify its hash chain, export it with the chain.")
def audit() -> None:
    pass


@audit.command(help="Walk the whole log and check every event against its hash link; exit 1 at the first broken one.")
@click.option("--database-url", envvar="PEISONG_DATABASE_URL", default=None)
def verify(database_url: str | None) -> None:
    from domain.chain import verify as verify_chain

    application = _application(database_url)
    try:
        report = verify_chain(application.recorder)
    finally:
        application.close()
    rate = f"checked {report.checked:,} events in {report.seconds:.2f} s ({report.rate:,.0f} events/s)"
    if not report.intact:
        click.echo(f"BROKEN at position {report.broken_at}: {report.problem}", err=True)
        click.echo(f"{rate}; the chain holds up to position {report.head_position}", err=True)
        sys.exit(1)
    click.echo(f"chain intact: {rate}")
    click.echo(f"head: position {report.head_position} hash {report.head_hash.hex()}")
    click.echo("keep this head hash elsewhere: a later verify showing the same hash at this position proves "
               "nothing up to it was rewritten since")


@audit.command(help="Write the log as JSON lines, one event with its hash link per line (verified as it is written).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--database-url", envvar="PEISONG_DATABASE_URL", default=None)
def export(out: Path, database_url: str | None) -> None:
    from domain.chain import ChainBroken, walk

    application = _application(database_url)
    started = time.perf_counter()
    written = 0
    try:
        with out.open("w", encoding="utf-8") as file:
            for link in walk(application.recorder):
                file.write(json.dumps({
                    "position": link.position, "originator_id": link.originator_id,
                    "originator_version": link.originator_version, "topic": link.topic,
                    "state": link.state.hex(), "hash": link.hash.hex(),
                }) + "\n")
                written += 1
    except ChainBroken as broken:
        click.echo(f"BROKEN at position {broken.position}: {broken.problem}; the export stops before it", err=True)
        sys.exit(1)
    finally:
        application.close()
    click.echo(f"exported {written:,} events to {out} in {time.perf_counter() - started:.2f} s")
