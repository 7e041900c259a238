"""Who, which command and which request: the audit metadata every stored event carries.

The edges say who is acting (`acting_as`: the API per request, the CLI per run, the
policy runner per reaction); `run_command` says which command runs. Both live in context
variables, so they follow the call into the command's thread without being threaded
through every command's signature, and the base aggregate event copies them onto each
event it creates (see `domain.aggregate`). An event therefore answers for itself in the
log: no side table to join, nothing to lose when a feed or an export copies it.

Events stored before metadata existed decode with `metadata = None`; `metadata_of`
reads both kinds alike.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

SYSTEM = "system"  # a command run from Python with no edge saying who (tests, scripts)
CLI = "cli"
POLICY_PREFIX = "system:"

ACTOR = "actor"
COMMAND = "command"
CORRELATION_ID = "correlation_id"
CAUSATION_ID = "causation_id"


@dataclass(frozen=True)
class Actor:
    """Who is acting, and the request (correlation) and event (causation) that led here."""

    name: str
    correlation_id: str | None = None
    causation_id: str | None = None


_actor: ContextVar[Actor | None] = ContextVar("peisong_actor", default=None)
_metadata: ContextVar[dict[str, str] | None] = ContextVar("peisong_event_metadata", default=None)


def principal_actor(role: str, subject: str | None) -> str:
    """`dispatcher`, or `customer:CUST-0001` when the token speaks for one party."""
    return f"{role}:{subject}" if subject else role


def policy_actor(policy: str) -> str:
    return POLICY_PREFIX + policy


def event_id(event: Any) -> str:
    """An event's own id: its aggregate and version, the same in every store and every export."""
    return f"{event.originator_id}:{event.originator_version}"


@contextmanager
def acting_as(actor: str, correlation_id: str | None = None, causation_id: str | None = None) -> Iterator[Actor]:
    """Every command run inside the block records `actor` and these ids on its events."""
    token = _actor.set(Actor(actor, correlation_id, causation_id))
    try:
        yield _actor.get()  # type: ignore[misc]
    finally:
        _actor.reset(token)


@contextmanager
def reacting_to(policy: str, event: Any) -> Iterator[Actor]:
    """A policy's commands: caused by `event`, and part of the same request that caused it."""
    cause = event_id(event)
    correlation = metadata_of(event).get(CORRELATION_ID) or cause
    with acting_as(policy_actor(policy), correlation, cause) as actor:
        yield actor


def current_actor() -> Actor:
    return _actor.get() or Actor(SYSTEM)


@contextmanager
def running(command: str) -> Iterator[dict[str, str]]:
    """Inside one command: the metadata its events carry (one dict shared by all of them)."""
    actor = current_actor()
    metadata = {ACTOR: actor.name, COMMAND: command}
    if actor.correlation_id:
        metadata[CORRELATION_ID] = actor.correlation_id
    if actor.causation_id:
        metadata[CAUSATION_ID] = actor.causation_id
    token = _metadata.set(metadata)
    try:
        yield metadata
    finally:
        _metadata.reset(token)


def current_metadata() -> dict[str, str] | None:
    """The running command's metadata; None outside a command (an aggregate built in a unit test)."""
    return _metadata.get()


def metadata_of(event: Any) -> Mapping[str, str]:
    """An event's metadata, empty for events stored before metadata was recorded."""
    return getattr(event, "metadata", None) or {}
