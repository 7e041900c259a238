"""The events Peisong records, documented from the code itself, so the documentation cannot drift from the log.

Every aggregate class under `domain/` is walked for the event classes it records (the
`@event("PastTenseName")` ones and any declared by hand); each event's fields and types
come from its dataclass fields, its version from `class_version`. The same catalogue
answers `GET /events/schema` (JSON, or `?format=markdown`), fills the README section
between the `events-schema` markers, and tells `registerWebhook` which event types exist.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from eventsourcing.domain import Aggregate
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

import domain
from api.errors import BAD_INPUT, ApiError
from api.feeds.access import error_response, feed_context
from projections.events import ENVELOPE, REDACTED

README_START = "<!-- events-schema:start -->"
README_END = "<!-- events-schema:end -->"

# What every record of the feeds, the subscription and the webhooks carries around an event's data.
ENVELOPE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("position", "int", "place in the log; resume a feed after it (SSE `id`, `after`, `Last-Event-ID`)"),
    ("eventId", "str", "`<aggregateId>:<version>`, the same on every re-delivery: drop duplicates by it"),
    ("type", "str", "the event type below, e.g. `OrderPlaced`"),
    ("aggregateType", "str", "the aggregate below, e.g. `Order`"),
    ("aggregateId", "str", "UUID of the aggregate"),
    ("version", "int", "the aggregate's version this event made (1 for the first)"),
    ("timestamp", "str", "business time of the command, ISO 8601 with offset"),
    ("data", "object", "the fields below; Decimal as text, times as ISO text, tuples as lists"),
)


@dataclass(frozen=True)
class EventField:
    name: str
    type: str
    redacted: bool = False


@dataclass(frozen=True)
class EventDoc:
    type: str
    version: int
    fields: tuple[EventField, ...]


@dataclass(frozen=True)
class AggregateDoc:
    name: str
    summary: str
    events: tuple[EventDoc, ...]


def domain_aggregates() -> list[type[Aggregate]]:
    """Every aggregate class defined under `domain/`, by name (every module is imported first)."""
    for module in pkgutil.walk_packages(domain.__path__, f"{domain.__name__}."):
        importlib.import_module(module.name)
    found = {cls for cls in _subclasses(Aggregate) if cls.__module__.startswith(f"{domain.__name__}.")}
    return sorted((cls for cls in found if recorded_events(cls)), key=lambda cls: cls.__name__)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def recorded_events(aggregate: type[Aggregate]) -> list[type]:
    """The event classes an aggregate records, in the order its class body declares them.

    eventsourcing also gives each aggregate an `Event` base and, unless `__init__` names
    its own created event, a `Created` one: neither is ever stored under those names.
    """
    nested = [
        value for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, Aggregate.Event)
        and value.__qualname__ == f"{aggregate.__qualname__}.{value.__name__}"
    ]
    named_creations = [c for c in nested if issubclass(c, Aggregate.Created) and c.__name__ != "Created"]
    return [
        cls for cls in nested
        if cls.__name__ != "Event" and not (cls.__name__ == "Created" and named_creations)
    ]


def _type_text(annotation: Any) -> str:
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, type):
        return annotation.__name__
    return re.sub(r"\b(typing|collections\.abc|datetime|decimal|uuid)\.", "", str(annotation))


def event_doc(aggregate: type[Aggregate], cls: type) -> EventDoc:
    hidden = REDACTED.get(aggregate.__name__, frozenset())
    return EventDoc(
        type=cls.__name__,
        version=int(getattr(cls, "class_version", 1)),
        fields=tuple(
            EventField(name=f.name, type=_type_text(f.type), redacted=f.name in hidden)
            for f in dataclasses.fields(cls) if f.name not in ENVELOPE
        ),
    )


def _summary(aggregate: type[Aggregate]) -> str:
    text = inspect.getdoc(aggregate) if aggregate.__doc__ else inspect.getdoc(inspect.getmodule(aggregate))
    return (text or "").strip().split("\n\n")[0].replace("\n", " ")


@lru_cache(maxsize=1)
def event_catalogue() -> tuple[AggregateDoc, ...]:
    return tuple(
        AggregateDoc(
            name=aggregate.__name__, summary=_summary(aggregate),
            events=tuple(event_doc(aggregate, cls) for cls in recorded_events(aggregate)),
        )
        for aggregate in domain_aggregates()
    )


@lru_cache(maxsize=1)
def event_type_names() -> frozenset[str]:
    return frozenset(event.type for aggregate in event_catalogue() for event in aggregate.events)


def check_event_types(names: Iterable[str], field: str) -> tuple[str, ...]:
    """A misspelt type would filter out everything, silently: refuse it instead."""
    wanted = tuple(dict.fromkeys(names))
    if unknown := [name for name in wanted if name not in event_type_names()]:
        raise ApiError(
            BAD_INPUT, f"unknown event type {unknown[0]!r}; GET /events/schema lists them all",
            field=field, types=unknown,
        )
    return wanted


def event_schema() -> dict[str, Any]:
    """The catalogue as JSON: the envelope every record carries, then each aggregate's events."""
    return {
        "envelope": [{"name": name, "type": kind, "description": text} for name, kind, text in ENVELOPE_FIELDS],
        "aggregates": [
            {
                "name": aggregate.name,
                "summary": aggregate.summary,
                "events": [
                    {
                        "type": event.type,
                        "version": event.version,
                        "fields": [dataclasses.asdict(f) for f in event.fields],
                    }
                    for event in aggregate.events
                ],
            }
            for aggregate in event_catalogue()
        ],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _field_text(f: EventField) -> str:
    return f"`{_cell(f.name)}: {_cell(f.type)}`" + (" (redacted)" if f.redacted else "")


def event_schema_markdown() -> str:
    """The catalogue as the README shows it (between the events-schema markers)."""
    lines = [
        "Generated from the code by `api.events_schema.event_schema_markdown()`; do not edit by hand.",
        "",
        "Every record (feed page, SSE message, subscription, webhook payload) carries:",
        "",
        "| Field | Type | Meaning |",
        "| --- | --- | --- |",
        *(f"| `{name}` | {kind} | {text} |" for name, kind, text in ENVELOPE_FIELDS),
    ]
    for aggregate in event_catalogue():
        lines += ["", f"#### {aggregate.name}", ""]
        if aggregate.summary:
            lines += [aggregate.summary, ""]
        lines += ["| Event | Version | Data fields |", "| --- | --- | --- |"]
        for event in aggregate.events:
            fields = ", ".join(_field_text(f) for f in event.fields) or "(none)"
            lines.append(f"| `{event.type}` | {event.version} | {fields} |")
    return "\n".join(lines) + "\n"


def readme_section(readme: str) -> str | None:
    """The text between the markers, or None if the README has no such section yet."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        return None
    return readme[start + len(README_START):end].strip("\n") + "\n"


def update_readme(path: str | Path = "README.md") -> bool:
    """Put the generated catalogue between the README's markers; False if it has none."""
    file = Path(path)
    readme = file.read_text(encoding="utf-8")
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        return False
    file.write_text(
        readme[:start + len(README_START)] + "\n" + event_schema_markdown() + readme[end:], encoding="utf-8",
    )
    return True


async def events_schema_endpoint(request: Request) -> Response:
    """`GET /events/schema` (JSON) and `GET /events/schema?format=markdown`, for whoever may read the feeds."""
    try:
        feed_context(request)
        kind = request.query_params.get("format", "json")
        if kind not in ("json", "markdown"):
            raise ApiError(BAD_INPUT, "format is json or markdown", field="format")
    except Exception as error:
        return error_response(error)
    if kind == "markdown":
        return PlainTextResponse(event_schema_markdown(), media_type="text/markdown; charset=utf-8")
    return JSONResponse(event_schema())
