"""The event catalogue is generated from the code: every recorded type documented, served, and pasted in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.events_schema import event_schema_markdown, readme_section, update_readme
from projections.events import read_events
from tests.api.conftest import Api

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_event_type_in_the_log_is_documented_with_its_fields(shop_api: Api) -> None:
    shop_api.place_order(number="PS-DOC")
    response = shop_api.client.get("/events/schema", headers=shop_api.headers("integrator"))
    assert response.status_code == 200
    schema = response.json()
    documented = {e["type"]: e for a in schema["aggregates"] for e in a["events"]}

    logged = {r.event_type: r for r in read_events(shop_api.application, limit=100_000)}
    assert set(logged) <= set(documented)
    for event_type, record in logged.items():
        assert set(record.data) <= {f["name"] for f in documented[event_type]["fields"]}, event_type
    placed = {f["name"]: f["type"] for f in documented["OrderPlaced"]["fields"]}
    assert placed["number"] == "str" and placed["window_start"] == "datetime"
    assert documented["OrderPlaced"]["version"] == 1
    assert [f["name"] for f in schema["envelope"]][:2] == ["position", "eventId"]


def test_the_webhook_secret_is_documented_as_redacted(api: Api) -> None:
    schema = api.client.get("/events/schema", headers=api.headers("auditor")).json()
    [registered] = [e for a in schema["aggregates"] if a["name"] == "WebhookSubscription" for e in a["events"]
                    if e["type"] == "WebhookRegistered"]
    assert {f["name"]: f["redacted"] for f in registered["fields"]}["secret"] is True
    assert "`secret: str` (redacted)" in event_schema_markdown()


def test_the_markdown_form_is_the_readme_text_and_feed_roles_only(api: Api) -> None:
    markdown = api.client.get("/events/schema?format=markdown", headers=api.headers("integrator"))
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text == event_schema_markdown()
    assert "| `OrderPlaced` | 1 |" in markdown.text
    assert api.client.get("/events/schema", headers=api.headers("warehouse")).status_code == 403
    assert api.client.get("/events/schema?format=pdf", headers=api.headers("admin")).status_code == 400


def test_a_readme_section_between_the_markers_is_replaced_by_the_generated_text(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Peisong\n\n<!-- events-schema:start -->\nstale\n<!-- events-schema:end -->\n\nMore.\n")
    assert update_readme(readme)
    text = readme.read_text()
    assert readme_section(text) == event_schema_markdown()
    assert text.startswith("# Peisong\n\n<!-- events-schema:start -->\n") and text.endswith("<!-- events-schema:end -->\n\nMore.\n")


def test_the_readme_event_schema_section_is_the_generated_one() -> None:
    section = readme_section(README.read_text(encoding="utf-8")) if README.exists() else None
    if section is None:
        pytest.skip("README.md has no <!-- events-schema:start/end --> markers yet")
    assert section == event_schema_markdown(), (
        "README event schema is stale: python -c \"from api.events_schema import update_readme; update_readme()\""
    )
