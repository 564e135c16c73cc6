"""Fixtures: a real database per backend (SQLite file and PostgreSQL), emptied after each test;
a fake clock; the app with tokens for each role.

Tests commit for real (intake durability, two engines, concurrent requests need it), so each
test is isolated by emptying every table afterwards rather than by a rolled-back transaction.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.migrations import runner
from onwatch.models import Base
from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from tests.receivers import http_receiver, smtp_receiver

PG_SERVER = os.environ.get("ONWATCH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
# Set by .ci/run: there, a backend or tool that is missing fails the run instead of skipping.
REQUIRE_ALL = os.environ.get("ONWATCH_TEST_REQUIRE_ALL") == "1"
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

NOT_RUN = "this part did NOT run"
__all__ = ["http_receiver", "smtp_receiver"]  # fixtures for every test (tests/receivers.py)


def unavailable(what: str, reason: str) -> None:
    """Skip (on a developer machine) or fail (in CI) a test whose real dependency is missing."""
    if REQUIRE_ALL:
        pytest.fail(f"{what} is required in CI but unavailable: {reason}")
    pytest.skip(f"{what} not available here ({reason}); {NOT_RUN}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Read from the skip reports, so it also works when xdist workers ran the tests.
    counts: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if NOT_RUN in reason:
            reason = reason.removeprefix("Skipped: ")
            counts[reason] = counts.get(reason, 0) + 1
    for reason, count in counts.items():
        terminalreporter.write_line(f"NOT RUN: {count} tests skipped: {reason}", yellow=True,
                                    bold=True)


def _postgres_database() -> Iterator[str]:
    name = f"onwatch_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        unavailable("PostgreSQL", str(error).strip().splitlines()[0])
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_SERVER.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('db') / 'onwatch.db'}")
    runner.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def _postgresql_db() -> Iterator[Database]:
    databases = _postgres_database()
    url = next(databases)
    db = Database(url)
    runner.upgrade(db)
    yield db
    db.dispose()
    next(databases, None)


def empty(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated database on each backend, emptied after the test."""
    database: Database = request.getfixturevalue(f"_{request.param}_db")
    try:
        yield database
    finally:
        empty(database)


@pytest.fixture
def sqlite_db(_sqlite_db: Database) -> Iterator[Database]:
    """SQLite only, for tests about the embedded default itself."""
    try:
        yield _sqlite_db
    finally:
        empty(_sqlite_db)


@pytest.fixture
def postgresql_db(_postgresql_db: Database) -> Iterator[Database]:
    """PostgreSQL only, for tests about a database server (connections it drops)."""
    try:
        yield _postgresql_db
    finally:
        empty(_postgresql_db)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, host="127.0.0.1", port=8080)


@pytest.fixture
def ctx(db: Database, settings: Settings, clock: FakeClock) -> AppContext:
    return AppContext(db=db, settings=settings, clock=clock)


@pytest.fixture
def client(ctx: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx)) as test_client:
        yield test_client


@pytest.fixture
def tokens(db: Database, clock: FakeClock) -> dict[str, str]:
    """A bearer token for each role."""
    issued = {}
    with db.transaction() as session:
        for role in ("viewer", "responder", "admin"):
            issued[role] = auth.create_token(
                session, name=f"test-{role}", role=role, actor="test", now=clock.now()
            ).secret
    return issued


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
