"""Every stored event is hash-chained to the one before it: a changed byte or a removed event is found and named."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

from click.testing import CliRunner

from api.cli import main
from domain.app import Peisong
from domain.chain import GENESIS, link, verify
from domain.clock import ManualClock
from domain.settings import Settings
from domain.stock import StockItem
from projections.events import aggregate_history
from tests.audit.raw_store import delete_event, flip_one_byte, rewrite_every_state
from tests.conftest import stock_shop

# The independent check the README shows: nothing but the standard library's hashlib and json.
INDEPENDENT_CHECK = '''
import hashlib, json, sys

previous = bytes(32)
for line in open(sys.argv[1], encoding="utf-8"):
    event = json.loads(line)
    header = f"{event['position']}\\n{event['originator_id']}\\n{event['originator_version']}\\n{event['topic']}\\n"
    previous = hashlib.sha256(previous + header.encode() + bytes.fromhex(event["state"])).digest()
    if previous.hex() != event["hash"]:
        sys.exit(f"broken at position {event['position']}")
print(f"intact; head {previous.hex()}")
'''


def cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {"PEISONG_DATABASE_URL": settings.database_url, "PEISONG_DATA_DIR": str(settings.data_dir),
           "PEISONG_SECRET_KEY": settings.secret_key}
    result = CliRunner().invoke(main, ["audit", *args], env=env)
    return result.exit_code, result.output


def test_a_fresh_log_verifies_link_by_link_from_the_genesis_hash(shop: Peisong) -> None:
    report = verify(shop.recorder)
    assert report.intact
    assert report.checked == report.head_position == shop.head_position()
    first = shop.recorder.select_notifications(start=1, limit=1)[0]
    assert shop.recorder.select_links(0, 1) == [
        (1, link(GENESIS, 1, first.originator_id, first.originator_version, first.topic, first.state))
    ]


def test_one_changed_byte_is_found_at_its_position_and_the_cli_names_it(shop: Peisong, settings: Settings) -> None:
    tampered = shop.head_position() // 2
    flip_one_byte(settings, tampered)

    report = verify(shop.recorder)
    assert (report.broken_at, report.problem) == (tampered, "the event does not match its chain link")
    assert report.checked == tampered - 1

    code, output = cli(settings, "verify")
    assert code == 1
    assert f"BROKEN at position {tampered}" in output
    assert "events/s" in output


def test_a_removed_event_is_found_at_its_position(shop: Peisong, settings: Settings) -> None:
    removed = shop.head_position() - 3
    delete_event(settings, removed)
    report = verify(shop.recorder)
    assert (report.broken_at, report.problem) == (removed, "a chain link has no event: an event was removed")


def test_the_cli_reports_an_intact_chain_with_its_rate_and_head(shop: Peisong, settings: Settings) -> None:
    code, output = cli(settings, "verify")
    assert code == 0, output
    assert f"chain intact: checked {shop.head_position()} events in" in output
    assert f"head: position {shop.head_position()} hash {verify(shop.recorder).head_hash.hex()}" in output


def test_an_export_checks_out_with_a_ten_line_script_and_a_changed_line_does_not(
    shop: Peisong, settings: Settings, tmp_path: Path,
) -> None:
    export = tmp_path / "log.jsonl"
    code, output = cli(settings, "export", "--out", str(export))
    assert code == 0, output
    lines = export.read_text().splitlines()
    assert len(lines) == shop.head_position()

    check = [sys.executable, "-c", INDEPENDENT_CHECK, str(export)]
    intact = subprocess.run(check, capture_output=True, text=True, timeout=60)
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.strip() == f"intact; head {verify(shop.recorder).head_hash.hex()}"

    changed = 7
    line = lines[changed - 1]
    at = line.index('"state": "') + len('"state": "') + 40
    lines[changed - 1] = line[:at] + ("0" if line[at] != "0" else "1") + line[at + 1:]
    export.write_text("\n".join(lines) + "\n")
    broken = subprocess.run(check, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1
    assert broken.stderr.strip() == f"broken at position {changed}"


def test_writers_racing_on_one_store_chain_one_after_another(make_app: Callable[[], Peisong]) -> None:
    first = stock_shop(make_app())
    second = make_app()

    def receive(app: Peisong, warehouse: str) -> None:
        for n in range(15):
            app.receive_stock_batch([(warehouse, "RICE-5KG", 1), (warehouse, "MILK-1L", 1)], reference=f"r{n}")

    writers = [threading.Thread(target=receive, args=(app, wh)) for app, wh in ((first, "WH-EAST"), (second, "WH-WEST"))]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    report = verify(second.recorder)
    assert report.intact, report
    assert report.checked == len(first.recorder.select_notifications(start=1, limit=10_000))


def test_a_store_from_before_the_chain_and_the_audit_trail_is_anchored_and_still_loads(
    settings: Settings, clock: ManualClock,
) -> None:
    unchained = {"APPLICATION_RECORDER_TOPIC": "eventsourcing.sqlite:SQLiteApplicationRecorder"
                 if settings.is_sqlite else "eventsourcing.postgres:PostgresApplicationRecorder"}
    old = stock_shop(Peisong(settings, clock, **unchained))
    head = old.head_position()
    old.close()
    rewrite_every_state(settings, lambda payload: payload.pop("metadata", None))

    app = Peisong(settings, clock)
    try:
        assert verify(app.recorder).checked == head
        rice = aggregate_history(app, StockItem.create_id("WH-EAST", "RICE-5KG"))
        assert [(r.event_type, r.actor, r.command) for r in rice[:1]] == [("StockItemOpened", None, None)]
        app.receive_stock_batch([("WH-EAST", "RICE-5KG", 1)], reference="after the upgrade")
        report = verify(app.recorder)
        assert report.intact and report.checked == app.head_position() > head
    finally:
        app.close()
