"""Webhooks, delivered to a real HTTP receiver on loopback: everything arrives, signed, in order per aggregate."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.webhooks.signing import HEADER, verify
from api.webhooks.worker import WebhookWorker
from domain.app import Peisong
from domain.orders import Order
from projections.events import read_events
from projections.webhooks import outbox, webhook_targets
from tests.api.conftest import Api, code_of, error_of
from tests.conftest import EAST_HOME, stock_shop, window
from tests.feeds.conftest import Receiver

pytestmark = pytest.mark.timeout(60)

REGISTER = """
mutation($input: RegisterWebhookInput!, $key: String) {
  registerWebhook(input: $input, idempotencyKey: $key) { id secret position repeated }
}
"""
WEBHOOKS = "query($at: Int) { webhooks(atLeast: $at) { id owner status pausedReason consecutiveFailures delivered failing backlog } }"
DELIVERIES = """
query($id: String!, $status: DeliveryStatus, $at: Int) {
  webhookDeliveries(webhookId: $id, status: $status, atLeast: $at) {
    totalCount
    nodes { position eventId eventType status attempts attemptLog { attempt status responseCode durationMs error } }
  }
}
"""
ORDER_EVENTS = ["OrderPlaced", "OrderPicked", "OrderPacked", "OrderCancelled"]
ERP = {"role": "integrator", "subject": "ERP"}


def hooks_api(make_api: Callable[..., Api], **settings: Any) -> Api:
    """The API without its background workers: each test steps the webhook worker itself."""
    api = make_api(run_worker=False, webhook_retry_base_seconds=0.0, webhook_retry_max_seconds=0.0, **settings)
    stock_shop(api.application)
    return api


def register(api: Api, url: str, types: list[str], who: dict[str, str] = ERP, key: str | None = None) -> dict[str, Any]:
    return api.data(REGISTER, {"input": {"url": url, "eventTypes": types}, "key": key}, **who)["registerWebhook"]


def place(app: Peisong, number: str, sku: str = "RICE-5KG") -> None:
    start, end = window(app.clock)  # type: ignore[arg-type]
    app.place_order("CUST-1", [(sku, 1)], EAST_HOME, start, end, number=number)


def run_until(api: Api, done: Callable[[], bool], worker: WebhookWorker | None = None, passes: int = 200) -> None:
    """Projections, then one webhook pass, over and over, until `done` (retry delays are zero here)."""
    worker = worker or api.app.state.webhooks
    for _ in range(passes):
        api.settle()
        worker.run_once()
        if done():
            return
        time.sleep(0.002)
    pytest.fail("the webhook worker never got there")


def webhook(api: Api, webhook_id: str) -> dict[str, Any]:
    [found] = [w for w in api.data(WEBHOOKS, {"at": api.settle()})["webhooks"] if w["id"] == webhook_id]
    return found


def expected_events(app: Peisong, after: int, types: list[str]) -> list[str]:
    return [f"{r.aggregate_id}:{r.version}" for r in read_events(app, after=after, limit=10_000, types=types)]


def in_order_per_aggregate(events: list[dict[str, Any]]) -> bool:
    versions: dict[str, list[int]] = defaultdict(list)
    for event in events:
        versions[event["aggregateId"]].append(event["version"])
    return all(v == sorted(v) for v in versions.values())


def test_every_event_arrives_signed_and_in_order_per_aggregate_after_early_failures(
    make_api: Callable[..., Api], receiver: Receiver,
) -> None:
    api = hooks_api(make_api)
    app = api.application
    receiver.fail_first = 3
    hook = register(api, receiver.url, ORDER_EVENTS)
    for number in ("PS-A", "PS-B", "PS-C"):
        place(app, number)
    app.pick_order("PS-A")
    app.pack_order("PS-A")
    app.cancel_order("PS-B", "changed my mind")
    wanted = expected_events(app, hook["position"], ORDER_EVENTS)

    run_until(api, lambda: {e["eventId"] for e in receiver.accepted_events()} >= set(wanted))

    accepted = receiver.accepted_events()
    assert in_order_per_aggregate(accepted)
    assert sorted(e["eventId"] for e in accepted) == sorted(wanted)
    assert len(receiver.requests) == len(wanted) + 3
    assert all(verify(hook["secret"], r.body, r.headers[HEADER]) for r in receiver.requests)
    assert not verify("another-secret", receiver.requests[0].body, receiver.requests[0].headers[HEADER])
    first = accepted[0]
    assert set(first) == {"position", "eventId", "type", "aggregateType", "aggregateId", "version", "timestamp",
                          "data", "webhookId"}
    assert receiver.requests[0].headers["Peisong-Event-Id"] == receiver.requests[0].event["eventId"]

    deliveries = api.data(DELIVERIES, {"id": hook["id"], "at": api.settle()})["webhookDeliveries"]
    assert deliveries["totalCount"] == len(wanted)
    assert {n["status"] for n in deliveries["nodes"]} == {"DELIVERED"}
    attempts = [a for n in deliveries["nodes"] for a in n["attemptLog"]]
    assert len(attempts) == len(receiver.requests)
    assert [(a["status"], a["responseCode"]) for a in attempts if a["status"] == "FAILED"] == [("FAILED", 500)] * 3
    assert all(a["error"].startswith("HTTP 500") for a in attempts if a["status"] == "FAILED")
    assert all(n["attemptLog"][-1]["status"] == "SUCCEEDED" for n in deliveries["nodes"])
    summary = webhook(api, hook["id"])
    assert (summary["delivered"], summary["backlog"], summary["consecutiveFailures"]) == (len(wanted), 0, 0)


def test_a_webhook_pauses_after_n_failures_in_a_row_and_resumes_where_it_stopped(
    make_api: Callable[..., Api], receiver: Receiver,
) -> None:
    api = hooks_api(make_api, webhook_pause_after_failures=3)
    app = api.application
    receiver.fail_first = 1_000  # the endpoint is down
    hook = register(api, receiver.url, ["OrderPlaced"])
    place(app, "PS-A")
    place(app, "PS-B")

    run_until(api, lambda: webhook(api, hook["id"])["status"] == "PAUSED")

    paused = webhook(api, hook["id"])
    assert (paused["consecutiveFailures"], paused["pausedReason"]) == (3, "3 consecutive failed attempts")
    assert len(receiver.requests) == 3
    place(app, "PS-C")  # while paused: queued, not sent
    for _ in range(3):
        api.settle()
        api.app.state.webhooks.run_once()
    assert len(receiver.requests) == 3
    assert webhook(api, hook["id"])["backlog"] == 3

    receiver.fail_first = 0  # the endpoint is back
    resumed = api.data('mutation($id: String!) { resumeWebhook(id: $id) { status } }', {"id": hook["id"]}, **ERP)
    assert resumed["resumeWebhook"]["status"] == "ACTIVE"
    wanted = expected_events(app, hook["position"], ["OrderPlaced"])
    run_until(api, lambda: len(receiver.accepted_events()) == len(wanted))
    assert [e["eventId"] for e in receiver.accepted_events()] == wanted
    assert webhook(api, hook["id"])["backlog"] == 0


def test_an_event_out_of_attempts_holds_back_only_its_own_aggregate_until_retried_by_hand(
    make_api: Callable[..., Api], receiver: Receiver,
) -> None:
    api = hooks_api(make_api, webhook_max_attempts=2, webhook_pause_after_failures=50)
    app = api.application
    bad = str(Order.create_id("PS-BAD"))
    healed = False
    receiver.refuse = lambda event: event["aggregateId"] == bad and not healed
    hook = register(api, receiver.url, ORDER_EVENTS)
    place(app, "PS-BAD")
    place(app, "PS-GOOD")
    app.pick_order("PS-BAD")
    app.pick_order("PS-GOOD")

    def failed() -> list[dict[str, Any]]:
        return api.data(DELIVERIES, {"id": hook["id"], "status": "FAILED", "at": api.settle()})["webhookDeliveries"]["nodes"]

    run_until(api, lambda: bool(failed()) and len(receiver.accepted_events()) == 2)
    [given_up] = failed()
    assert (given_up["eventType"], given_up["attempts"]) == ("OrderPlaced", 2)
    assert {e["aggregateId"] for e in receiver.accepted_events()} == {str(Order.create_id("PS-GOOD"))}
    for _ in range(3):  # out of attempts: no more tries, and PS-BAD's pick stays behind it
        api.settle()
        api.app.state.webhooks.run_once()
    assert len([r for r in receiver.requests if r.event["aggregateId"] == bad]) == 2
    assert (webhook(api, hook["id"])["failing"], webhook(api, hook["id"])["backlog"]) == (1, 2)

    not_failed = api.gql('mutation($id: String!, $p: Int!) { retryWebhookDelivery(id: $id, position: $p) { status } }',
                         {"id": hook["id"], "p": hook["position"]}, **ERP)
    assert (code_of(not_failed), error_of(not_failed)["extensions"]["field"]) == ("PRECONDITION_FAILED", "position")
    healed = True
    api.data('mutation($id: String!, $p: Int!) { retryWebhookDelivery(id: $id, position: $p) { status } }',
             {"id": hook["id"], "p": given_up["position"]}, **ERP)
    run_until(api, lambda: len(receiver.accepted_events()) == 4)
    late = [e for e in receiver.accepted_events() if e["aggregateId"] == bad]
    assert [e["type"] for e in late] == ["OrderPlaced", "OrderPicked"]
    assert (webhook(api, hook["id"])["failing"], webhook(api, hook["id"])["backlog"]) == (0, 0)


def test_a_worker_restarted_after_a_crash_loses_nothing_and_a_resend_is_dropped_by_event_id(
    make_api: Callable[..., Api], receiver: Receiver,
) -> None:
    api = hooks_api(make_api)
    app = api.application
    hook = register(api, receiver.url, ORDER_EVENTS)
    for number in ("PS-A", "PS-B"):
        place(app, number)
        app.pick_order(number)
    wanted = expected_events(app, hook["position"], ORDER_EVENTS)
    api.settle()

    crashed = WebhookWorker(app, api.app.state.db, api.settings)
    [target] = webhook_targets(api.app.state.db)
    crashed.take_in(target)
    state = app.webhook_delivery_state(hook["id"])
    [entry] = outbox(api.app.state.db, hook["id"], 1)
    crashed.send(state, entry)  # sent, then the process died before recording it
    crashed.close()

    restarted = WebhookWorker(app, api.app.state.db, api.settings)
    run_until(api, lambda: len(receiver.accepted_events()) == len(wanted) + 1, worker=restarted)
    restarted.close()

    ids = [e["eventId"] for e in receiver.accepted_events()]
    assert ids.count(entry.event_id) == 2
    assert list(dict.fromkeys(ids)) == wanted  # a receiver keeping the first of each id has the log exactly


def test_integrators_see_and_steer_only_their_own_webhooks_and_never_the_secret_again(
    make_api: Callable[..., Api], receiver: Receiver,
) -> None:
    api = hooks_api(make_api)
    hook = register(api, receiver.url, ["OrderPlaced"], key="erp-hook-1")
    again = register(api, receiver.url, ["OrderPlaced"], key="erp-hook-1")
    assert (again["id"], again["secret"], again["repeated"]) == (hook["id"], hook["secret"], True)
    theirs = register(api, receiver.url, ["OrderCancelled"], who={"role": "integrator", "subject": "BI"})
    at = api.settle()

    mine = api.data(WEBHOOKS, {"at": at}, **ERP)["webhooks"]
    assert [(w["id"], w["owner"]) for w in mine] == [(hook["id"], "ERP")]
    assert {w["id"] for w in api.data(WEBHOOKS, {"at": at}, role="admin")["webhooks"]} == {hook["id"], theirs["id"]}
    pause = 'mutation($id: String!) { pauseWebhook(id: $id) { status } }'
    assert code_of(api.gql(pause, {"id": theirs["id"]}, **ERP)) == "NOT_FOUND"
    assert code_of(api.gql(DELIVERIES, {"id": theirs["id"]}, **ERP)) == "NOT_FOUND"
    assert api.data(pause, {"id": theirs["id"]}, role="admin")["pauseWebhook"]["status"] == "PAUSED"
    assert api.settle() == at + 1

    token = api.token("auditor")
    seen = [
        api.client.get("/feed?limit=500", headers={"Authorization": f"Bearer {token}"}).text,
        str(api.data('query($id: String!) { history(aggregateId: $id) { data } }', {"id": hook["id"]})),
        str(api.data('{ events(first: 500, types: ["WebhookRegistered"]) { nodes { data } } }', role="auditor")),
        str(api.data(WEBHOOKS, {"at": at}, role="admin")),
    ]
    for text in seen:
        assert hook["secret"] not in text and theirs["secret"] not in text
    assert "[redacted]" in seen[0] and "[redacted]" in seen[1]


@pytest.mark.parametrize("url, types, field", [
    ("ftp://erp.example/hook", ["OrderPlaced"], "url"),
    ("erp.example/hook", ["OrderPlaced"], "url"),
    ("https://user:pw@erp.example/hook", ["OrderPlaced"], "url"),
    ("https://erp.example/hook", [], "eventTypes"),
    ("https://erp.example/hook", ["OrderPlacedd"], "eventTypes"),
    ("https://erp.example/hook", ["WebhookDelivered"], "eventTypes"),
])
def test_a_bad_registration_is_refused_with_its_field_and_records_nothing(
    make_api: Callable[..., Api], url: str, types: list[str], field: str,
) -> None:
    api = make_api(run_worker=False)
    before = api.head()
    error = error_of(api.gql(REGISTER, {"input": {"url": url, "eventTypes": types}}, **ERP))
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_INPUT", field)
    assert api.head() == before


def test_the_served_app_delivers_in_the_background_without_being_stepped(
    make_api: Callable[..., Api], receiver: Receiver,
) -> None:
    api = make_api(webhook_retry_base_seconds=0.05, webhook_poll_seconds=0.05)
    stock_shop(api.application)
    receiver.fail_first = 1
    register(api, receiver.url, ["OrderPlaced"])
    place(api.application, "PS-LIVE")
    deadline = time.monotonic() + 15
    while not receiver.accepted_events() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [e["data"]["number"] for e in receiver.accepted_events()] == ["PS-LIVE"]
    assert len(receiver.requests) == 2


@pytest.fixture
def property_api(make_api: Callable[..., Api]) -> Api:
    api = make_api(run_worker=False, webhook_retry_base_seconds=0.0, webhook_retry_max_seconds=0.0,
                   webhook_pause_after_failures=1_000, webhook_max_attempts=1_000)
    for i in range(3):
        api.application.register_customer(f"P-{i}", f"Customer {i}", "+86 138 0000 0000")
    return api


@given(
    steps=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["sms", "wechat"]), st.booleans()), min_size=1, max_size=8),
    pattern=st.lists(st.booleans(), max_size=12),
)
def test_whatever_the_endpoint_fails_each_aggregate_arrives_complete_and_in_order(
    property_api: Api, receiver: Receiver, steps: list[tuple[int, str, bool]], pattern: list[bool],
) -> None:
    api, app = property_api, property_api.application
    receiver.reset(pattern)
    hook = register(api, receiver.url, ["CustomerOptedOut", "CustomerOptedIn"])
    for customer, channel, out in steps:
        app.set_customer_opt_out(f"P-{customer}", channel, out)
    wanted = expected_events(app, hook["position"], ["CustomerOptedOut", "CustomerOptedIn"])

    run_until(api, lambda: len(receiver.accepted_events()) >= len(wanted))

    accepted = receiver.accepted_events()
    assert sorted(e["eventId"] for e in accepted) == sorted(wanted)
    assert in_order_per_aggregate(accepted)
    api.data('mutation($id: String!) { removeWebhook(id: $id) { status } }', {"id": hook["id"]}, **ERP)
