"""Writing the rows of many people, teams or services at once, below the unit of work: a config
file of thousands spent its time in the ORM's per-object bookkeeping and one flush per item.
Each call is a few multi-row statements; the caller decides what to write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from onwatch.core.db import Base
from onwatch.directory.queries import chunks


def save(
    session: Session,
    model: type[Base],
    key: InstrumentedAttribute[str],
    rows: list[tuple[int | None, dict[str, Any]]],
) -> dict[str, int]:
    """Insert the rows without an id and update those with one (every column given); returns
    {key: id} of all of them."""
    new = [values for id_, values in rows if id_ is None]
    changed = [{"id": id_, **values} for id_, values in rows if id_ is not None]
    ids = {values[key.key]: values["id"] for values in changed}
    if new:
        returning = insert(model).returning(key, model.id)
        ids.update((name, id_) for name, id_ in session.execute(returning, new))
    if changed:
        session.execute(update(model), changed)
    return ids


def replace(
    session: Session,
    parent: InstrumentedAttribute[int],
    replaced: Iterable[int],
    rows: list[dict[str, Any]],
) -> None:
    """Delete the child rows of the `replaced` parents, then insert `rows` (of the same table)."""
    model = parent.class_
    for chunk in chunks(replaced):
        session.execute(delete(model).where(parent.in_(chunk)))
    if rows:
        session.execute(insert(model), rows)
