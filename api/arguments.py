"""Arguments every query or mutation shares, described once."""

from __future__ import annotations

from typing import Annotated

import strawberry

AtLeast = Annotated[
    int | None,
    strawberry.argument(
        description="Read your own write: wait (bounded) until the read models have processed this log "
        "position, e.g. the `position` a mutation returned."
    ),
]

IdempotencyKey = Annotated[
    str | None,
    strawberry.argument(
        description="Repeat a call with the same key to get its first answer; nothing is recorded twice."
    ),
]
