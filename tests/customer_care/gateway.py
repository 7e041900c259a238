"""A real message gateway on 127.0.0.1 for specifications and the bench: it can be down, or fail a share of requests.

It answers like the shop's SMS/WeChat/webhook gateway: POST /<channel> with JSON and an
`Idempotency-Key`; 200 `{"status": "sent", "id": ...}` when it takes a message. It counts, per
message id, how many times it took it, so a test can tell a lost message from a duplicated one.
A request it fails is refused before it takes the message (503), as a gateway that is down does.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops connections a sender opens side by side
    daemon_threads = True


class Gateway:
    def __init__(self, failure_rate: float = 0.0, seed: int = 7) -> None:
        self.failure_rate = failure_rate
        self.down = False
        self.taken: Counter[str] = Counter()
        self.refused = 0
        self.bodies: dict[str, dict[str, Any]] = {}
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep connections open, as a real gateway does
            disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                key = self.headers.get("Idempotency-Key") or ""
                with gateway._lock:
                    refuse = gateway.down or gateway._random.random() < gateway.failure_rate
                    if refuse:
                        gateway.refused += 1
                    else:
                        gateway.taken[key] += 1
                        gateway.bodies[key] = {"channel": self.path.strip("/"), **body}
                answer = b'{"error": "unavailable"}' if refuse else json.dumps({"status": "sent", "id": key}).encode()
                self.send_response(503 if refuse else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, name="test-gateway", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def duplicated(self) -> int:
        """Messages taken more than once (each extra time counts)."""
        return sum(count - 1 for count in self.taken.values() if count > 1)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)
