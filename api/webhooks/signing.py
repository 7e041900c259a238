"""The `Peisong-Signature` header: proof for a receiver that a request came from us, unchanged, and recently.

`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the webhook's secret>`.
The timestamp is inside the signed text, so a captured request cannot be replayed later
with a fresh `t`; receivers refuse signatures older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Peisong-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the header's MAC matches this body and its time is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, body, timestamp), f"t={timestamp},v1={parts.get('v1', '')}")
