"""Cursor connections shared by every list: edges/nodes, pageInfo and totalCount over a projection Page."""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

import strawberry

from projections.views import Page

DEFAULT_PAGE_SIZE = 50

V = TypeVar("V")
T = TypeVar("T")


@strawberry.type
class PageInfo:
    end_cursor: str | None = strawberry.field(description="Pass back as `after` for the next page.")
    has_next_page: bool


@strawberry.type
class Edge(Generic[T]):
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Matching records across all pages.")


def connection(page: Page[V], view: Callable[[V], T]) -> Connection[T]:
    nodes = [view(item) for item in page.items]
    return Connection(
        edges=[Edge(node=node) for node in nodes],
        nodes=nodes,
        page_info=PageInfo(end_cursor=page.end_cursor, has_next_page=page.has_next_page),
        total_count=page.total_count,
    )
