"""The SSE live tail: resumes exactly from its cursor across a killed server, filters, and keeps idle proxies open."""

from __future__ import annotations

import signal
from dataclasses import replace
from pathlib import Path
import httpx
import pytest

from api.app import create_app
from api.auth import issue_token
from domain.app import Peisong
from domain.clock import ManualClock
from domain.settings import Settings
from tests.feeds.conftest import Message, messages, served_in_thread, served_process

pytestmark = pytest.mark.timeout(120)

TIMEOUT = httpx.Timeout(10.0)


def register_customers(app: Peisong, first: int, count: int) -> None:
    for i in range(first, first + count):
        app.register_customer(f"CUST-{i:04d}", f"Customer {i}", f"+86 138 0000 {i:04d}")


def test_the_stream_resumes_after_a_killed_server_with_no_gap_and_no_repeat(
    settings: Settings, clock: ManualClock, tmp_path: Path,
) -> None:
    writer = Peisong(settings, clock)
    register_customers(writer, 1, 30)
    token = issue_token(settings, "integrator")
    received: list[Message] = []
    log = tmp_path / "server.log"

    with served_process(settings, log) as (base, server):
        with httpx.stream("GET", f"{base}/feed/stream", headers={"Authorization": f"Bearer {token}"},
                          timeout=TIMEOUT) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            stream = messages(response)
            for message in stream:
                if message.id is not None:
                    received.append(message)
                if len(received) == 30:
                    register_customers(writer, 31, 1)  # live, from another process: the server's poll finds it
                if len(received) == 31:
                    register_customers(writer, 32, 4)  # in the log, most likely not yet on the wire ...
                    server.send_signal(signal.SIGKILL)  # ... when the server dies mid-stream
                    break
            with pytest.raises(httpx.HTTPError):
                for message in stream:  # whatever complete messages were already on the wire, then the drop
                    if message.id is not None:
                        received.append(message)

    register_customers(writer, 36, 10)  # while no server runs
    head = writer.head_position()
    with served_process(settings, log) as (base, _):
        headers = {"Authorization": f"Bearer {token}", "Last-Event-ID": str(received[-1].id)}
        with httpx.stream("GET", f"{base}/feed/stream", headers=headers, timeout=TIMEOUT) as response:
            for message in messages(response):
                if message.id is not None:
                    received.append(message)
                if received[-1].id == head:
                    break
    writer.close()

    assert [m.id for m in received] == list(range(1, head + 1))
    assert all(m.event == m.data["type"] and m.id == m.data["position"] for m in received)  # type: ignore[index]
    assert [m.data["data"]["reference"] for m in received if m.event == "CustomerRegistered"] == [  # type: ignore[index]
        f"CUST-{i:04d}" for i in range(1, 46)
    ]


@pytest.fixture
def quiet_server(settings: Settings, clock: ManualClock):  # type: ignore[no-untyped-def]
    settings = replace(settings, feed_heartbeat_seconds=0.2)
    application = Peisong(settings, clock)
    with served_in_thread(create_app(settings, application=application)) as base:
        yield base, application, issue_token(settings, "auditor")
    application.close()


def test_a_filtered_stream_sends_only_matching_events_and_heartbeats_while_idle(quiet_server) -> None:  # type: ignore[no-untyped-def]
    base, application, token = quiet_server
    register_customers(application, 1, 3)
    application.change_customer_contact("CUST-0002", "+86 139 0000 0002", "en", ["sms"])
    url = f"{base}/feed/stream?after=0&types=CustomerContactChanged,CustomerOptedOut"
    seen: list[Message] = []
    written = False
    with httpx.stream("GET", url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT) as response:
        for message in messages(response):
            seen.append(message)
            if message.comment == "heartbeat" and any(m.id for m in seen) and not written:
                application.set_customer_opt_out("CUST-0003", "sms", True)  # lands live, after a quiet spell
                written = True
            if message.event == "CustomerOptedOut":
                break
    assert any(m.comment == "heartbeat" for m in seen)
    events = [(m.event, m.data["data"]["channel"] if m.event == "CustomerOptedOut" else None) for m in seen if m.id]  # type: ignore[index]
    assert events == [("CustomerContactChanged", None), ("CustomerOptedOut", "sms")]


def test_a_stream_refuses_bad_input_and_wrong_roles_before_it_starts(quiet_server) -> None:  # type: ignore[no-untyped-def]
    base, application, token = quiet_server
    cases = [
        ({}, "/feed/stream", 401, "UNAUTHENTICATED", None),
        ({"Authorization": f"Bearer {issue_token(application.settings, 'warehouse')}"}, "/feed/stream", 403, "FORBIDDEN", None),
        ({"Authorization": f"Bearer {token}", "Last-Event-ID": "nine"}, "/feed/stream", 400, "BAD_INPUT", "Last-Event-ID"),
        ({"Authorization": f"Bearer {token}"}, "/feed/stream?types=OrderPlacd", 400, "BAD_INPUT", "types"),
        ({"Authorization": f"Bearer {token}"}, "/feed/stream?aggregateId=ORDER-1", 400, "BAD_INPUT", "aggregateId"),
    ]
    for headers, path, status, code, field in cases:
        response = httpx.get(f"{base}{path}", headers=headers, timeout=TIMEOUT)
        assert response.status_code == status, (path, response.text)
        [error] = response.json()["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)
