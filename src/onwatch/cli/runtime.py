"""What every command needs: settings, the database (migrated on SQLite), the actor name, the
URL people reach onwatch at, and one mapping from domain errors to exit codes with a sentence on
stderr."""

from __future__ import annotations

import getpass
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from onwatch.core.db import Database
from onwatch.core.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    OnwatchError,
    Unauthorized,
)
from onwatch.core.settings import Settings
from onwatch.migrations import heads

EXIT_CODES: dict[type[OnwatchError], int] = {
    Invalid: 3,
    NotFound: 4,
    Conflict: 5,
    Unauthorized: 6,
    Forbidden: 6,
}


def settings() -> Settings:
    return Settings()


def open_database(config: Settings, *, migrate: bool | None = None) -> Database:
    """Open the configured database. SQLite is migrated automatically (it is the embedded,
    single-operator default); PostgreSQL only when asked, so that one operator controls it."""
    db = Database(config.resolved_database_url(), pool_size=config.db_pool_size)
    if migrate is None:
        migrate = db.dialect == "sqlite"
    if heads.is_current(db):
        return db
    if not migrate:
        fail("the database schema is behind this version of onwatch; run `onwatch migrate`", 1)
    # Alembic, and the models its environment loads, only when there is something to apply:
    # a deferred import for startup speed.
    from onwatch.migrations import runner

    runner.upgrade(db)
    return db


def public_url(config: Settings) -> str:
    """Where people and jobs reach onwatch: ONWATCH_BASE_URL, else the host and port it serves
    on, with this machine's name for a listen-everywhere address (0.0.0.0, ::)."""
    if config.base_url or config.host not in ("0.0.0.0", "::", ""):
        return config.resolved_base_url()
    return f"http://{socket.gethostname()}:{config.port}"


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli:unknown"


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def reported() -> Iterator[None]:
    """Turn a domain error into its exit code and a sentence on stderr."""
    try:
        yield
    except OnwatchError as error:
        code = next((c for kind, c in EXIT_CODES.items() if isinstance(error, kind)), 1)
        lines = [str(e) for e in error.errors] if isinstance(error, Invalid) else [error.message]
        for line in lines:
            print(f"error: {line}", file=sys.stderr)
        raise typer.Exit(code) from None
