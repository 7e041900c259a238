"""The aggregate cache follows the log, so a command costs one query to see others' writes, not one per read."""

from __future__ import annotations

import threading
from typing import Any, Iterable, Sequence
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, LRUCache, Repository, project_aggregate
from eventsourcing.persistence import ApplicationRecorder, EventStore, Mapper

# Further behind than this, dropping the cache is cheaper than reading what was missed.
FOLLOW_LIMIT = 10_000
PAGE = 1_000
MAX_ABSENT = 100_000


class LogFollowingRepository(Repository[UUID]):
    """A repository whose cached aggregates are brought up to the log's head before they are read.

    eventsourcing's fast-forward asks the store, per aggregate read, for newer events. Here the
    log is followed instead: one `MAX(position)` tells whether any process appended since the
    last look (in steady state nothing did, and the command needed the head anyway), and if so,
    the appended events are applied to the cached aggregates they concern. Commands then read
    aggregates as they stood at the head they started from; a write made by another process in
    between still conflicts on save (optimistic concurrency), is evicted and retried.

    Ids found absent are remembered too (a zone map not drawn yet, an order number not taken),
    until an event for them is saved here or seen in the log.
    """

    def __init__(
        self,
        event_store: EventStore[UUID],
        recorder: ApplicationRecorder,
        mapper: Mapper[UUID],
        lock: threading.RLock,
        cache_maxsize: int,
    ) -> None:
        super().__init__(event_store, cache_maxsize=cache_maxsize, fastforward=False, deepcopy_from_cache=True)
        self.recorder = recorder
        self.mapper = mapper
        self.lock = lock
        self.cache_maxsize = cache_maxsize
        self.seen = recorder.max_notification_id() or 0
        self.absent: set[UUID] = set()
        # True while a command runs: it followed the log when it started and reads one state.
        self.holding = False

    def get(  # type: ignore[override]
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: Any = project_aggregate,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        if version is not None:  # a historical version is rebuilt from the store, the cache untouched
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        with self.lock:
            if not self.holding:
                self.follow()
            if aggregate_id in self.absent:
                raise AggregateNotFoundError(aggregate_id)
            try:
                return super().get(
                    aggregate_id, projector_func=projector_func,
                    fastforward_skipping=fastforward_skipping, deepcopy_from_cache=deepcopy_from_cache,
                )
            except AggregateNotFoundError:
                if len(self.absent) >= MAX_ABSENT:
                    self.absent.clear()
                self.absent.add(aggregate_id)
                raise

    def follow(self) -> int:
        """Apply whatever was appended since the last look to the cached aggregates; return the head."""
        with self.lock:
            head = self.recorder.max_notification_id() or 0
            if head > self.seen:
                if head - self.seen > FOLLOW_LIMIT:
                    self.cache = LRUCache(maxsize=self.cache_maxsize)
                    self.absent.clear()
                else:
                    self._apply_appended(self.seen, head)
                self.seen = head
            return head

    def saved(self, aggregate_ids: Iterable[UUID]) -> None:
        """What was just saved here exists now."""
        self.absent.difference_update(aggregate_ids)

    def saw_own(self, positions: Sequence[int]) -> None:
        """Our own save needs no reading back when nothing else was appended before it."""
        if positions and min(positions) == self.seen + 1 and max(positions) - min(positions) + 1 == len(positions):
            self.seen = max(positions)

    def _apply_appended(self, after: int, head: int) -> None:
        cache = self.cache
        assert cache is not None
        start = after + 1
        while start <= head:
            page = self.recorder.select_notifications(start=start, limit=PAGE, stop=head)
            if not page:
                return
            for notification in page:
                self.absent.discard(notification.originator_id)
                try:
                    aggregate = cache.get(notification.originator_id)
                except KeyError:
                    continue
                if notification.originator_version <= aggregate.version:
                    continue  # already in the cached state (our own write, or read after it)
                try:
                    if notification.originator_version != aggregate.version + 1:
                        raise LookupError("a gap in the cached aggregate's events")
                    self.mapper.to_domain_event(notification).mutate(aggregate)
                except Exception:
                    # Whatever cannot be applied is read afresh from the store next time.
                    cache.get(notification.originator_id, evict=True)
            start = page[-1].id + 1
