"""Strawberry types are thin views: each is filled field by field from a read-model record, never a domain object."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def thin(cls: type[T], record: Any, **overrides: Any) -> T:
    """`cls` filled from the record's same-named fields; `overrides` supply or convert the rest."""
    names = {f.name for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    values = {name: getattr(record, name) for name in names if name not in overrides and hasattr(record, name)}
    return cls(**values, **{k: v for k, v in overrides.items() if k in names})
