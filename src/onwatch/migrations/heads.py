"""Whether a database is at the newest migration, answered without Alembic: importing Alembic and
running its environment (which loads every model) cost each CLI command about half of its time
when there was nothing to do. The revision ids are read from the version files as text."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import inspect, text

from onwatch.core.db import Database

VERSIONS = Path(__file__).parent / "versions"
_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*([^\n]*)", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def head_revisions(folder: Path = VERSIONS) -> frozenset[str]:
    """The revisions no other revision follows, as Alembic's ScriptDirectory.get_heads() says
    (a test holds them equal)."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in folder.glob("*.py"):
        source = path.read_text()
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN_REVISION.search(source)
        if down is not None:
            followed.update(_QUOTED.findall(down.group(1)))
    return frozenset(revisions - followed)


def applied_revisions(db: Database) -> frozenset[str]:
    """What alembic_version holds; nothing for a database never migrated."""
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return frozenset()
        return frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))


def is_current(db: Database) -> bool:
    return applied_revisions(db) == head_revisions()
