"""The `peisong` command as a user meets it: help, tokens, the demo and a replay of its log."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.auth import read_token
from api.cli import main
from domain.settings import Settings


@pytest.mark.parametrize("command", [[], ["serve"], ["worker"], ["demo"], ["replay"], ["token"]])
def test_every_command_explains_itself(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_token_carries_the_role_and_subject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEISONG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PEISONG_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["token", "--role", "courier", "--subject", "COURIER-07"])
    assert result.exit_code == 0, result.output
    principal = read_token(Settings.from_env(), result.output.strip())
    assert (principal.role, principal.subject) == ("courier", "COURIER-07")


def test_a_customer_token_needs_a_subject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEISONG_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["token", "--role", "customer"])
    assert result.exit_code != 0
    assert "--subject" in result.output


def test_demo_loads_a_shop_prints_tokens_and_replay_rebuilds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEISONG_SECRET_KEY", raising=False)
    monkeypatch.delenv("PEISONG_DATA_DIR", raising=False)
    runner = CliRunner()
    demo = runner.invoke(main, ["demo", "--no-serve"])
    assert demo.exit_code == 0, demo.output
    assert "600 orders" in demo.output
    for role in ("admin", "dispatcher", "warehouse", "courier", "customer", "auditor", "integrator"):
        assert f"  {role}" in demo.output
    assert (tmp_path / "peisong-demo.db").exists()
    assert "live day" not in demo.output  # --no-serve loads and exits: no live day
    from domain.app import Peisong
    from domain.couriers import Courier

    loaded = Peisong(Settings.from_env(database_url="sqlite:///peisong-demo.db"))
    assert loaded.get_or_none(Courier.create_id("LIVE-001")) is None
    loaded.close()

    replay = runner.invoke(main, ["replay", "--database-url", "sqlite:///peisong-demo.db"])
    assert replay.exit_code == 0, replay.output
    assert "replayed" in replay.output and "events/s" in replay.output


@pytest.mark.parametrize("flags, served", [([], "live day"), (["--no-live"], "as loaded"), (["--no-serve"], None)])
def test_the_demo_is_served_with_a_live_day_unless_told_otherwise(
    flags: list[str], served: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import api.cli
    import api.cli_live
    from domain.app import Peisong
    from domain.clock import ManualClock
    from sim.demo import DemoSize, demo_now, load_demo
    from sim.demo_city import LIVE_FLEET, adopt_demo_city

    monkeypatch.setenv("PEISONG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PEISONG_SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path}/kept-demo.db"
    clock = ManualClock(demo_now())
    shop = Peisong(Settings.from_env(database_url=url), clock)
    load_demo(shop, clock, DemoSize(products=30, customers=10, orders=5, hours=1))  # a kept store is served as it is
    shop.close()
    days: list[object] = []

    def serve_live(settings: Settings, host: str, port: int, make_day: object) -> None:
        application = Peisong(settings)
        days.append(make_day(application))  # type: ignore[operator]
        application.close()

    monkeypatch.setattr(api.cli_live, "serve_live", serve_live)
    monkeypatch.setattr(api.cli, "_serve", lambda *args, **kwargs: days.append("as loaded"))
    result = CliRunner().invoke(main, ["demo", "--database-url", url, *flags])
    assert result.exit_code == 0, result.output
    assert "GraphQL: http://127.0.0.1:8000/graphql" in result.output
    if served is None:
        assert days == [] and "live day" not in result.output
    elif served == "as loaded":
        assert days == ["as loaded"] and "live day" not in result.output
    else:
        (day,) = days
        crew = sum(count for _, count in LIVE_FLEET)
        assert f"live day: {crew} couriers (LIVE-001..LIVE-{crew:03d})" in result.output
        assert day.plans_waves and day.make_city.func is adopt_demo_city  # type: ignore[attr-defined]
        assert day.progress is not None and not day.running  # type: ignore[attr-defined]


def test_a_worker_process_catches_projections_up_and_stops_on_a_signal(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import time

    from domain.app import Peisong
    from projections.database import ReadDatabase
    from projections.runner import ProjectionRunner
    from tests.conftest import stock_shop

    settings = Settings(database_url=f"sqlite:///{tmp_path}/peisong.db", data_dir=tmp_path, secret_key="k")
    shop = stock_shop(Peisong(settings))
    head = shop.head_position()
    shop.close()
    env = {**os.environ, "PEISONG_DATABASE_URL": settings.database_url, "PEISONG_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(["peisong", "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        reader = Peisong(settings)
        db = ReadDatabase(settings)
        runner = ProjectionRunner(reader, db)
        deadline = time.monotonic() + 60
        while min(lag.position for lag in runner.lags()) < head and time.monotonic() < deadline:
            time.sleep(0.2)
        assert min(lag.position for lag in runner.lags()) >= head
        db.close()
        reader.close()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
