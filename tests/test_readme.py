"""Every GraphQL block in the README runs against the demo shop with the demo tokens, without error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.cli import demo_tokens
from domain.app import Peisong
from domain.clock import ManualClock
from domain.settings import Settings
from sim.demo import demo_now, load_demo

# The blocks build on each other (hire a courier, then plan their shift): one worker runs them all, in order.
pytestmark = pytest.mark.xdist_group("readme")

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)


def readme_blocks() -> list[tuple[str, str]]:
    blocks = []
    for body in BLOCK.findall(README.read_text()):
        role = re.match(r"#\s*token:\s*(\w+)", body)
        assert role, f"a README GraphQL block does not say which token it needs:\n{body}"
        blocks.append((role.group(1), body))
    return blocks


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("readme")
    settings = Settings(database_url=f"sqlite:///{folder}/demo.db", data_dir=folder, secret_key="readme-secret")
    clock = ManualClock(demo_now())
    loader = Peisong(settings, clock)
    load_demo(loader, clock)
    loader.close()
    with TestClient(create_app(settings)) as client:
        runner = client.app.state.runner  # type: ignore[attr-defined]
        assert runner.wait_for(runner.head(), timeout=120), "projections did not catch up with the demo"
        yield client, demo_tokens(settings)


def test_readme_has_graphql_examples() -> None:
    assert len(readme_blocks()) >= 8


@pytest.mark.parametrize("index", range(len(readme_blocks())))
def test_readme_graphql_block_runs_on_the_demo(index: int, demo_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = demo_client
    role, query = readme_blocks()[index]
    if re.search(r"^\s*subscription\b", query, flags=re.MULTILINE):
        first = first_subscription_message(client, tokens[role], query)
        assert first["type"] == "next" and not first["payload"].get("errors"), f"README block {index}: {first}"
        return
    response = client.post(
        "/graphql", json={"query": query},
        headers={"Authorization": f"Bearer {tokens[role]}"},
    )
    body = response.json()
    assert response.status_code == 200, body
    assert not body.get("errors"), f"README block {index} ({role}) failed: {body['errors']}\n{query}"
    assert body["data"]


def first_subscription_message(client: TestClient, token: str, query: str) -> dict:
    """Run a subscription block over graphql-transport-ws and return its first message."""
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        message = ws.receive_json()
        ws.send_json({"id": "1", "type": "complete"})
        return message
