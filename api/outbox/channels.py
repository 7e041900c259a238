"""Channel adapters: each message in the shape its channel takes, through an HTTP gateway or into a local log.

The shop's SMS provider, WeChat's template messages, its own webhook and its mail relay all
sit behind one configured gateway (`notification_gateway_url`): POST `<gateway>/<channel>`
with the channel's JSON and an `Idempotency-Key` header carrying the message id, the same on
every attempt, so a gateway that got a message but whose answer was lost drops the repeat.
Without a gateway every message goes to a local log file: the demo needs nothing running.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Protocol

import httpx

from domain.notifications import DELIVERED, EMAIL, FAILED, SENT, SMS, WEBHOOK, WECHAT, OutboxMessage
from domain.settings import Settings

USER_AGENT = "Peisong-Outbox/1"
MAX_ERROR_BODY = 200
# Answers that say "try again later"; any other 4xx is the gateway refusing this message for good.
RETRYABLE_CODES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Delivery:
    """What one attempt came to: SENT (accepted), DELIVERED (and already on the phone) or FAILED."""

    result: str
    error: str = ""
    will_retry: bool = True
    reference: str = ""


def sms_payload(m: OutboxMessage) -> dict[str, Any]:
    return {"messageId": m.message_id, "to": m.to, "text": m.text}


def wechat_payload(m: OutboxMessage) -> dict[str, Any]:
    """A WeChat template message: the template named by the event kind, the text in its fields."""
    return {
        "messageId": m.message_id, "touser": m.to, "template_id": m.kind, "lang": m.language,
        "data": {"first": {"value": m.title}, "keyword1": {"value": m.order or m.subject},
                 "remark": {"value": m.text}},
    }


def webhook_payload(m: OutboxMessage) -> dict[str, Any]:
    """For the shop's own endpoint, which shows the message in the mini-program: everything, structured."""
    return {
        "messageId": m.message_id, "event": m.kind, "subject": m.subject, "order": m.order, "customer": m.to,
        "language": m.language, "title": m.title, "text": m.text, "params": m.params,
    }


def email_payload(m: OutboxMessage) -> dict[str, Any]:
    return {"messageId": m.message_id, "to": m.to, "subject": m.title, "text": m.text}


PAYLOADS: dict[str, Callable[[OutboxMessage], dict[str, Any]]] = {
    SMS: sms_payload, WECHAT: wechat_payload, WEBHOOK: webhook_payload, EMAIL: email_payload,
}


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> Delivery: ...

    def close(self) -> None: ...


class HttpGateway:
    """Posts each message to `<base_url>/<channel>`; a 2xx answer `{"status": "delivered"}` means delivered."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT})

    def send(self, message: OutboxMessage) -> Delivery:
        body = PAYLOADS[message.channel](message)
        try:
            response = self.client.post(
                f"{self.base_url}/{message.channel}", json=body, headers={"Idempotency-Key": message.message_id},
            )
        except httpx.HTTPError as problem:
            return Delivery(FAILED, f"{type(problem).__name__}: {problem}", will_retry=True)
        code = response.status_code
        if 200 <= code < 300:
            answer = _json(response)
            status = DELIVERED if str(answer.get("status", "")).lower() == "delivered" else SENT
            return Delivery(status, reference=str(answer.get("id", ""))[:200])
        error = f"HTTP {code} {response.text[:MAX_ERROR_BODY]}".strip()
        return Delivery(FAILED, error, will_retry=code >= 500 or code in RETRYABLE_CODES)

    def close(self) -> None:
        self.client.close()


class LogFile:
    """Appends each message as one JSON line: delivered, as far as a demo is concerned."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, message: OutboxMessage) -> Delivery:
        line = json.dumps({
            "at": datetime.now(timezone.utc).isoformat(), "channel": message.channel,
            **PAYLOADS[message.channel](message),
        }, ensure_ascii=False)
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as log:
                    log.write(line + "\n")
        except OSError as problem:
            return Delivery(FAILED, f"{type(problem).__name__}: {problem}", will_retry=True)
        return Delivery(DELIVERED, reference=f"log:{self.path.name}")

    def close(self) -> None:
        pass


def transport_for(settings: Settings) -> Transport:
    if settings.notification_gateway_url:
        return HttpGateway(settings.notification_gateway_url, settings.notification_timeout_seconds)
    return LogFile(settings.data_dir / settings.notification_log)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
