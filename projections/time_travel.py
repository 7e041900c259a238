"""Any aggregate, and the read models built from it, as they stood at a business time or a version.

Computed from the log, never from the live tables: the aggregate's own events up to the
cut-off are decoded and either replayed onto the aggregate (its state) or handed to the
very projector that builds the live read model, writing into a scratch in-memory
database that the live query function then reads. The past view is therefore made by the
same code as the present one and comes back as the same record type.

The cut-off for a time is the last of the aggregate's events stamped at or before it
(business time; an aggregate's log order decides between equal stamps); with a version
too, whichever comes first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Collection, Sequence, TypeVar
from uuid import UUID

from eventsourcing.persistence import Notification

from domain.errors import InvalidInput
from projections.database import ReadDatabase
from projections.decoding import EventDecoder
from projections.events import event_record, plain, positioned_events
from projections.projector import Projector
from projections.views import EventRecord

T = TypeVar("T")


def check_cut_off(as_of: datetime | None, version: int | None) -> None:
    if as_of is not None and as_of.tzinfo is None:
        raise InvalidInput("asOf needs a timezone, e.g. 2026-11-25T10:00:00+08:00", field="asOf")
    if version is not None and version < 1:
        raise InvalidInput("version counts an aggregate's events from 1", field="version", value=version)


def cut_off(app: Any, history: Sequence[Notification], as_of: datetime | None, version: int | None) -> int | None:
    """The last version inside the cut-off, or None when the aggregate did not exist yet."""
    check_cut_off(as_of, version)
    if not history:
        return None
    last = history[-1].originator_version
    if as_of is not None:
        decode = app.mapper.to_domain_event
        reached = [n.originator_version for n in history if decode(n).timestamp <= as_of]
        if not reached:
            return None
        last = reached[-1]
    return min(last, version) if version is not None else last


def history_as_of(
    app: Any,
    aggregate_id: str | UUID,
    *,
    as_of: datetime | None = None,
    version: int | None = None,
    after_version: int = 0,
    first: int = 100,
) -> list[EventRecord] | None:
    """Up to `first` events after `after_version`, within the cut-off; None if the aggregate has no events at all."""
    history = positioned_events(app, aggregate_id)
    if not history:
        return None
    last = cut_off(app, history, as_of, version)
    if last is None:
        return []
    shown = [n for n in history if after_version < n.originator_version <= last][:first]
    return [event_record(app, n) for n in shown]


def states_after(app: Any, aggregate_id: str | UUID, versions: Collection[int]) -> dict[int, dict[str, Any]]:
    """The aggregate's plain state right after each of `versions`, from one replay of its events."""
    wanted = set(versions)
    last = max(wanted, default=0)
    states: dict[int, dict[str, Any]] = {}
    aggregate = None
    for notification in positioned_events(app, aggregate_id):
        if notification.originator_version > last:
            break
        aggregate = app.mapper.to_domain_event(notification).mutate(aggregate)
        if notification.originator_version in wanted:
            states[notification.originator_version] = plain_state(aggregate)
    return states


def plain_state(aggregate: Any) -> dict[str, Any]:
    return {name: plain(value) for name, value in vars(aggregate).items() if not name.startswith("_")}


def view_as_it_stood(
    app: Any,
    aggregate_id: str | UUID,
    projector: Projector,
    query: Callable[..., T | None],
    args: Sequence[Any],
    *,
    as_of: datetime | None = None,
    version: int | None = None,
) -> T | None:
    """What `query(db, *args)` answers over `projector`'s tables holding only this aggregate, up to the cut-off.

    None when the aggregate did not exist yet at the cut-off (or at all).
    """
    history = positioned_events(app, aggregate_id)
    last = cut_off(app, history, as_of, version)
    if last is None:
        return None
    follows = projector.follows
    changes = EventDecoder(app).decode([n for n in history if n.originator_version <= last], follows.__contains__)
    scratch = ReadDatabase(app.settings, url="sqlite://")
    try:
        with scratch.begin() as conn:
            for table in projector.tables:
                table.create(conn)
            if changes:
                projector.apply(conn, changes)
        return query(scratch, *args)
    finally:
        scratch.close()
