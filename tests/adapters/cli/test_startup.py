"""`onwatch` starts fast: help imports neither the web stack nor the ORM, a command's module is
imported only when that command runs, and a database already at the newest migration is seen to
be so without Alembic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from onwatch.cli.main import COMMANDS
from onwatch.core.db import Database
from onwatch.migrations import heads
from onwatch.migrations.runner import HERE

HEAVY = ("fastapi", "uvicorn", "starlette", "alembic", "sqlalchemy.orm", "onwatch.web", "holidays")
RUN = """
import sys
from onwatch.cli.main import main
heavy = {heavy!r}
sys.argv = ["onwatch", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(" ".join(name for name in heavy if name in sys.modules), file=sys.stderr)
"""


def imported_by(*args: str, heavy: tuple[str, ...]) -> tuple[str, list[str]]:
    """What `onwatch ARGS` prints, and which of `heavy` it imported (in a fresh process)."""
    done = subprocess.run(
        [sys.executable, "-c", RUN.format(heavy=heavy), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout, done.stderr.split()


def test_help_imports_neither_the_web_stack_nor_the_orm() -> None:
    shown, imported = imported_by("--help", heavy=HEAVY)
    assert "incidents" in shown and "oncall" in shown
    assert imported == []


@pytest.mark.parametrize(
    "group", ["incidents", "alerts", "silences", "maintenance", "heartbeats", "errors", "deploys"]
)
def test_a_group_help_imports_no_web_stack(group: str) -> None:
    shown, imported = imported_by(group, "--help", heavy=HEAVY[:4] + ("onwatch.web",))
    assert "list" in shown
    assert imported == []


@pytest.mark.parametrize("entry", COMMANDS, ids=lambda entry: entry.name)
def test_the_help_line_shown_without_importing_is_the_command_s_own(entry: object) -> None:
    command = entry.load(None)  # type: ignore[attr-defined]
    first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
    assert entry.help == first_paragraph  # type: ignore[attr-defined]


def test_head_revisions_read_as_text_are_alembic_s() -> None:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    assert heads.head_revisions() == set(ScriptDirectory.from_config(config).get_heads())


def test_a_migrated_database_is_current_and_a_new_one_is_not(db: Database, tmp_path: Path) -> None:
    assert heads.is_current(db)
    fresh = Database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert heads.applied_revisions(fresh) == frozenset()
        assert not heads.is_current(fresh)
    finally:
        fresh.dispose()


def test_oncall_on_sqlite_loads_neither_the_holidays_library_nor_postgresql(
    tmp_path: Path,
) -> None:
    # A calendar with US holidays covers the schedule: its holidays are read as stored.
    url = f"sqlite:///{tmp_path / 'oncall.db'}"
    example = Path(__file__).resolve().parents[3] / "examples" / "003-prod-squad.yaml"
    env = {**os.environ, "ONWATCH_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "onwatch.cli.main", "apply", "-f", str(example)],
        env=env,
        capture_output=True,
        check=True,
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            RUN.format(heavy=("holidays", "sqlalchemy.dialects.postgresql")),
            "oncall",
            "--at",
            "2026-07-03T15:00:00Z",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "prod-squad" in done.stdout
    assert "nobody (off hours)" in done.stdout  # Independence Day, observed on Friday 3 July
    assert done.stderr.split() == []
