"""What every mutation answers besides its own result: where in the log it landed, and whether it was a replay."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="A command's receipt: pass `position` as `atLeast` to read your own write.")
class Recorded:
    position: int = strawberry.field(description="Log position of what the command recorded.")
    repeated: bool = strawberry.field(
        description="True when this answers an earlier call with the same idempotency key; nothing new was recorded."
    )
