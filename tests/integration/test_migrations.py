"""The migrations build exactly the schema the models declare, on each backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from onwatch.core.db import Database
from onwatch.migrations import runner
from onwatch.models import Base


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], (
        "models and migrations differ; run `python scripts/migration.py --initial` "
        f"(before the first release) or add a revision: {differences}"
    )


def test_database_is_at_the_newest_revision(db: Database) -> None:
    assert not runner.pending(db)
