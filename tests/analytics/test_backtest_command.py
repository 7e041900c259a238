"""`peisong forecast backtest`: on an empty store it generates history through the batch command, then scores the
forecast week by week against the same-hour-last-week baseline, ending with the two WAPE lines."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from api.cli import main

# seven weeks from mid-August 2025, with Golden Week and its make-up workdays before the three weeks scored
GENERATE = ["--days", "49", "--orders-per-day", "100", "--zones", "2", "--seed", "11", "--until", "2025-10-27"]
WAPE_LINE = re.compile(r"^(model|baseline) WAPE: (\d+\.\d)%$")


def run_backtest(store: Path) -> list[str]:
    result = CliRunner().invoke(
        main, ["forecast", "backtest", "--database-url", f"sqlite:///{store}", "--weeks", "3", *GENERATE],
        env={"PEISONG_SECRET_KEY": "backtest"},
    )
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()


def test_the_backtest_generates_a_history_and_the_model_beats_the_baseline_by_ten_percent(tmp_path: Path) -> None:
    lines = run_backtest(tmp_path / "history.db")

    assert lines[0].startswith("the store is empty: generating 49 days of orders to 2025-10-27")
    assert re.match(r"placed [\d,]+ orders \([\d,]+ events\) in .* orders/s through place_orders", lines[1])
    weeks = [line for line in lines if line.startswith("week from ")]
    assert [w.split(":")[0] for w in weeks] == ["week from 2025-10-06", "week from 2025-10-13", "week from 2025-10-20"]
    model, baseline = (WAPE_LINE.match(line) for line in lines[-2:])
    assert model and model.group(1) == "model" and baseline and baseline.group(1) == "baseline"
    improvement = 1 - float(model.group(2)) / float(baseline.group(2))
    assert improvement >= 0.10, f"the model is only {improvement:.1%} better than the baseline"
    print(f"model WAPE {model.group(2)}% vs baseline {baseline.group(2)}%: {improvement:.1%} lower")

    again = run_backtest(tmp_path / "history.db")  # the store now has its history: replayed, not generated
    assert not any(line.startswith("the store is empty") for line in again)
    assert again[-5:] == lines[-5:]
