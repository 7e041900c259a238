"""`asOf` and `version` for any read-model query: the live view, or the same view rebuilt from the log.

A query field gains time travel with the two arguments below and one call:

    view = await read_as_of(info.context, get_courier, courier_id, aggregate_id=Courier.create_id(courier_id),
                            projector=CourierProjector(), as_of=as_of, version=version, at_least=at_least)
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Callable, TypeVar
from uuid import UUID

import strawberry

from api.context import Context
from projections.projector import Projector
from projections.time_travel import check_cut_off, view_as_it_stood

T = TypeVar("T")

AsOf = Annotated[
    datetime | None,
    strawberry.argument(
        description="Time travel: as it stood at this business time (with a timezone), rebuilt from the log."
    ),
]

AtVersion = Annotated[
    int | None,
    strawberry.argument(description="Time travel: as it stood after the aggregate's event number `version` (from 1)."),
]


async def read_as_of(
    context: Context,
    query: Callable[..., T | None],
    *args: Any,
    aggregate_id: UUID,
    projector: Projector,
    as_of: datetime | None = None,
    version: int | None = None,
    at_least: int | None = None,
) -> T | None:
    """`query(db, *args)` on the live read model, or, given `as_of` or `version`, on the past one.

    None when there is no such record (or it did not exist yet at that time or version).
    """
    if as_of is None and version is None:
        return await context.read(query, *args, at_least=at_least)
    check_cut_off(as_of, version)
    return await context.read_log(
        view_as_it_stood, aggregate_id, projector, query, args, as_of=as_of, version=version, at_least=at_least,
    )
