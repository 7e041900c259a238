"""The Starlette application: its routes, the pieces it shares, and the worker it runs for its lifetime."""

from __future__ import annotations

from starlette.testclient import TestClient

from api.app import create_app
from domain.app import Peisong
from domain.clock import ManualClock
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner
from tests.api.conftest import Api


def test_health_needs_no_token(api: Api) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_graphiql_is_served_to_a_browser(api: Api) -> None:
    response = api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_the_app_exposes_what_it_assembled(api: Api) -> None:
    state = api.app.state
    assert isinstance(state.application, Peisong)
    assert isinstance(state.db, ReadDatabase)
    assert isinstance(state.runner, ProjectionRunner)
    assert state.settings == api.settings


def test_the_worker_runs_while_the_app_serves_and_stops_with_it(settings: Settings, clock: ManualClock) -> None:
    application = Peisong(settings, clock)
    try:
        app = create_app(settings, application=application)
        with TestClient(app):
            assert app.state.runner.running
        assert not app.state.runner.running
        # An application handed in stays open for its owner.
        application.register_warehouse("WH-AFTER", "After", 31.0, 121.0)
    finally:
        application.close()


def test_without_its_worker_the_app_leaves_projection_to_others(settings: Settings, clock: ManualClock) -> None:
    app = create_app(settings, clock=clock, run_worker=False)
    with TestClient(app):
        assert not app.state.runner.running
