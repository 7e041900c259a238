"""Change-feed fixtures: the API of tests/api, a real webhook receiver, real servers on loopback, an SSE reader."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from domain.settings import Settings
from tests.api.conftest import api, make_api, shop_api  # noqa: F401  (fixtures shared with tests/api)

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- a webhook receiver ----------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An integrator's endpoint: answers 500 to its first `fail_first` requests and to whatever `refuse` picks."""

    url: str = ""
    fail_first: int = 0
    pattern: list[bool] = field(default_factory=list)  # request i fails where pattern[i] is True
    refuse: Callable[[dict[str, Any]], bool] = lambda event: False
    requests: list[Received] = field(default_factory=list)
    accepted: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            received = Received(headers, body)
            self.requests.append(received)
            index = len(self.requests) - 1
            scripted = index < len(self.pattern) and self.pattern[index]
            if index < self.fail_first or scripted or self.refuse(received.event):
                return 500
            self.accepted.append(received)
            return 204

    def reset(self, pattern: list[bool]) -> None:
        with self.lock:
            self.pattern = pattern
            self.requests.clear()
            self.accepted.clear()

    def accepted_events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r.event for r in self.accepted]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(state.answer(dict(self.headers), body))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/peisong"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


# -- servers on loopback -------------------------------------------------------------------


@contextmanager
def served_in_thread(app: Starlette) -> Iterator[str]:
    """The ASGI app behind a real uvicorn on a free loopback port, for as long as the block runs."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on", timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def served_process(settings: Settings, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`peisong serve` as its own process over `settings`' store; killed (SIGKILL) when the block ends."""
    port = free_port()
    env = {
        **os.environ, "PEISONG_DATABASE_URL": settings.database_url, "PEISONG_DATA_DIR": str(settings.data_dir),
        "PEISONG_SECRET_KEY": settings.secret_key,
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", "from api.cli import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"peisong serve never became healthy:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(10)


# -- reading server-sent events ---------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    id: int | None
    event: str | None
    data: dict[str, Any] | None
    comment: str | None = None


def messages(response: httpx.Response) -> Iterator[Message]:
    """Complete SSE messages (a blank line ends each); a message cut off by a dropped connection is never yielded."""
    fields: dict[str, str] = {}
    comment: str | None = None
    for line in response.iter_lines():
        if line == "":
            if fields or comment is not None:
                yield Message(
                    id=int(fields["id"]) if "id" in fields else None, event=fields.get("event"),
                    data=json.loads(fields["data"]) if "data" in fields else None, comment=comment,
                )
            fields, comment = {}, None
        elif line.startswith(":"):
            comment = line[1:].strip()
        else:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
