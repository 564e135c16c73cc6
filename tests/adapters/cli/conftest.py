"""`onwatch` run in-process on the test database, as an operator would type it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from onwatch.cli.main import cli
from onwatch.core.db import Database
from onwatch.models import Base

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

Onwatch = Callable[..., Result]


@pytest.fixture
def onwatch(db: Database) -> Onwatch:
    """Run `onwatch ARGS…` against the test database; returns the click Result."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(
            cli,
            list(args),
            input=input,
            env={"ONWATCH_DATABASE_URL": db.url, **(env or {})},
            catch_exceptions=False,
        )

    return run


def database_state(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to show that something changed nothing at all."""
    with db.engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }
