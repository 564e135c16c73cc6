"""Keyset pagination, newest first by id: a page costs the same however many rows are stored,
because it reads an index range in order and never counts or skips rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")
MAX_PAGE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page, newest first; `next_before` is the id to pass as `before` for the next page,
    None on the last one."""

    items: list[T]
    next_before: int | None


def keyset_page(
    session: Session,
    stmt: Select[Any],
    id_column: InstrumentedAttribute[int],
    before: int | None,
    limit: int,
) -> Page[Any]:
    """The rows of `stmt` (whose first entity has `id_column`) with ids below `before`, newest
    first, at most `limit` of them (capped at MAX_PAGE)."""
    limit = max(1, min(limit, MAX_PAGE))
    if before is not None:
        stmt = stmt.where(id_column < before)
    rows = list(session.execute(stmt.order_by(id_column.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1][0].id if more and rows else None)
