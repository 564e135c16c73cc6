"""`onwatch demo`: every example config loaded into a fresh database, two demo logins, and the
server started on it, so a newcomer sees onwatch with a realistic organisation in one command."""

from __future__ import annotations

import os
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import typer

from onwatch.auth import actions as auth
from onwatch.cli.runtime import open_database, reported, settings
from onwatch.cli.server import run_server
from onwatch.config import document
from onwatch.config.apply import apply, current_specs
from onwatch.core.clock import SystemClock
from onwatch.core.db import Database
from onwatch.core.errors import Conflict, FieldError, Invalid, Unauthorized
from onwatch.core.settings import Settings

# Known on purpose: the demo is for looking around on a laptop, never for real use.
ADMIN = ("demo", "onwatch-demo")
VIEWER = ("viewer", "onwatch-viewer")
ACTOR = "system:demo"


@dataclass(frozen=True)
class Loaded:
    database: str
    files: list[Path]
    changes: int


def checkout_examples() -> Path:
    """`examples/` of the source checkout this package is installed from (editable install:
    src/onwatch/cli/demo.py → the repository root is three folders up)."""
    return Path(__file__).resolve().parents[3] / "examples"


def example_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise Invalid(
            f"no examples folder at {folder}; onwatch demo needs a source checkout of onwatch, "
            "or pass --examples DIR"
        )
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    if not files:
        raise Invalid(f"no .yaml, .yml or .json config files in {folder}")
    return files


def demo_database(config: Settings) -> str:
    """ONWATCH_DATABASE_URL if set; otherwise a SQLite file under the data dir, replaced."""
    if config.database_url:
        return config.database_url
    path = (config.data_dir / "demo.db").resolve()
    for leftover in (path, path.with_name("demo.db-wal"), path.with_name("demo.db-shm")):
        leftover.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _is_ours(db: Database) -> bool:
    """True if the database is empty or a previous demo's: the demo never mixes its known
    passwords and fictional people into a real installation."""
    with db.read() as session:
        if not auth.has_any_user(session):
            return not any(current_specs(session).values())
        try:
            auth.authenticate(session, *ADMIN)
        except Unauthorized:
            return False
        return True


def load_examples(db: Database, files: list[Path], now: datetime) -> int:
    """Apply every file (one transaction, all or nothing) and create the demo logins.
    Returns the number of changed objects. Raises Invalid naming the file of each problem."""
    if not _is_ours(db):
        raise Invalid(
            "the database already holds data that is not a previous demo's; onwatch demo loads "
            "only into an empty database (unset ONWATCH_DATABASE_URL to use a fresh demo.db)"
        )
    changes = 0
    with db.transaction() as session:
        for path in files:
            doc = document.load(path.read_text(), path.name)
            try:
                changes += len(apply(session, doc, prune=False, actor=ACTOR, now=now).changes)
            except Invalid as error:
                named = [FieldError(f"{path.name}: {e.field}", e.message) for e in error.errors]
                raise Invalid(named) from None
        for (username, password), role in ((ADMIN, "admin"), (VIEWER, "viewer")):
            with suppress(Conflict):  # a previous demo's account, still with its demo password
                auth.create_user(
                    session, username=username, password=password, role=role, actor=ACTOR, now=now
                )
    return changes


def prepare(config: Settings, examples: Path) -> Loaded:
    files = example_files(examples)
    url = demo_database(config)
    db = open_database(config.model_copy(update={"database_url": url}), migrate=True)
    try:
        changes = load_examples(db, files, SystemClock().now())
    finally:
        db.dispose()
    return Loaded(url, files, changes)


def demo(
    examples: Path = typer.Option(
        None, "--examples", help="Folder of config files (default: the checkout's examples/)."
    ),
    host: str = typer.Option(None, help="Listen address (default ONWATCH_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default ONWATCH_PORT or 8080)."),
    load_only: bool = typer.Option(
        False, "--load-only", help="Load the demo database and stop; do not start the server."
    ),
) -> None:
    """Load every example config into a fresh database and start onwatch on it, with demo
    logins. Uses ONWATCH_DATABASE_URL if set, else DATA_DIR/demo.db (replaced each run)."""
    config = settings()
    folder = examples or checkout_examples()
    with reported():
        loaded = prepare(config, folder)
    names = ", ".join(p.name for p in loaded.files)
    typer.echo(f"onwatch demo: loaded {len(loaded.files)} example files from {folder} ({names})")
    if load_only:
        typer.echo(f"onwatch demo: database {loaded.database}; log in as {' / '.join(ADMIN)}")
        return
    url = (config.base_url or f"http://{host or config.host}:{port or config.port}").rstrip("/")
    # run_server reads its settings from the environment; point it at the demo database.
    os.environ["ONWATCH_DATABASE_URL"] = loaded.database
    run_server(
        engine=True,
        host=host,
        port=port,
        migrate=None,
        banner=[
            f"onwatch demo: open {url}",
            f"onwatch demo: log in as {ADMIN[0]} / {ADMIN[1]} (admin) "
            f"or {VIEWER[0]} / {VIEWER[1]} (read-only)",
            "onwatch demo: demo passwords are public; never use this database for real work",
        ],
    )
