"""Writing the rows of many people, teams or services at once, below the ORM: a config file of
thousands spent its time in the unit of work's bookkeeping and one flush per item. Each call is
a few multi-row statements on the table; the caller decides what to write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from onwatch.core.db import Base
from onwatch.directory.queries import chunks


def save(
    session: Session, model: type[Base], key: str, rows: list[tuple[int | None, dict[str, Any]]]
) -> dict[str, int]:
    """Insert the rows without an id and update those with one (every column given, the same
    columns in each); returns {row[key]: id} of all of them."""
    table: Table = model.__table__
    new = [values for id_, values in rows if id_ is None]
    changed = [{"row_id": id_, **values} for id_, values in rows if id_ is not None]
    ids = {values[key]: values["row_id"] for values in changed}
    if new:
        inserted = session.execute(insert(table).returning(table.c[key], table.c.id), new)
        ids.update((name, id_) for name, id_ in inserted)
    if changed:
        columns = {name: bindparam(name) for name in changed[0] if name != "row_id"}
        stmt = update(table).where(table.c.id == bindparam("row_id")).values(columns)
        session.execute(stmt, changed)
    return ids


def replace(
    session: Session,
    model: type[Base],
    parent: str,
    replaced: list[int],
    rows: list[dict[str, Any]],
) -> None:
    """Delete the rows of `model` whose `parent` column is one of `replaced`, then insert
    `rows` (the same columns in each)."""
    table: Table = model.__table__
    for chunk in chunks(replaced):
        session.execute(delete(table).where(table.c[parent].in_(chunk)))
    if rows:
        session.execute(insert(table), rows)
