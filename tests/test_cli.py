"""The `peisong` command as a user meets it: help, tokens, the demo and a replay of its log."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.auth import read_token
from api.cli import main
from domain.settings import Settings


@pytest.mark.parametrize("command", [[], ["serve"], ["demo"], ["replay"], ["token"]])
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

    replay = runner.invoke(main, ["replay", "--database-url", "sqlite:///peisong-demo.db"])
    assert replay.exit_code == 0, replay.output
    assert "replayed" in replay.output and "events/s" in replay.output
