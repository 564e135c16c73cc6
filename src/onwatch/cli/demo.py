"""`onwatch demo`: every example config loaded into a fresh database, two demo logins, an
integration key per wire format with a curl that opens an incident, and the server started on
it, so a newcomer sees onwatch with a realistic organisation in one command."""

from __future__ import annotations

import json
import os
import shlex
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from onwatch.auth import actions as auth
from onwatch.cli.runtime import open_database, public_url, reported, settings
from onwatch.config import document
from onwatch.config.apply import apply, current_specs
from onwatch.core.clock import SystemClock
from onwatch.core.db import Database, normalize_url
from onwatch.core.errors import Conflict, FieldError, Invalid, Unauthorized
from onwatch.core.settings import Settings
from onwatch.directory.queries import list_services, service_by_name
from onwatch.integrations import keys

# Known on purpose: the demo is for looking around on a laptop, never for real use.
ADMIN = ("demo", "onwatch-demo")
VIEWER = ("viewer", "onwatch-viewer")
ACTOR = "system:demo"
# The demo's integrations: one per wire format, named demo-<format>, feeding this service (the
# first service when the examples have no such one).
FORMATS = ("pagerduty", "alertmanager", "grafana", "datadog", "generic")
SERVICE = "booking-api"
INTAKE = {
    "pagerduty": "/v2/enqueue (routing_key)",
    **{kind: f"/api/v1/intake/{kind}/KEY" for kind in FORMATS if kind != "pagerduty"},
}
OPENS_AN_INCIDENT = {
    "summary": "Appointments API: p95 latency over 8 s",
    "severity": "critical",
    "dedup_key": "demo-latency",
}


@dataclass(frozen=True)
class Loaded:
    database: str
    files: list[Path]
    changes: int
    service: str | None = None
    keys: dict[str, str] = field(default_factory=dict)  # wire format -> key, shown once


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


def load_examples(db: Database, files: list[Path], now: datetime) -> Loaded:
    """Apply every file (one transaction, all or nothing), create the demo logins and a key per
    wire format. Raises Invalid naming the file of each problem."""
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
        service, issued = _integration_keys(session, now)
    return Loaded(db.url, files, changes, service, issued)


def _integration_keys(session: Session, now: datetime) -> tuple[str | None, dict[str, str]]:
    """The service the demo's integrations feed and a key for each; a previous demo's
    integrations get new keys (their old ones were shown once and are not kept)."""
    found = service_by_name(session, SERVICE) or next(iter(list_services(session)), None)
    if found is None:
        return None, {}
    issued: dict[str, str] = {}
    for kind in FORMATS:
        name = f"demo-{kind}"
        try:
            made = keys.create_integration(
                session, name=name, service=found.name, kind=kind, actor=ACTOR, now=now
            )
        except Conflict:  # raised before anything is written: a previous demo's integration
            made = keys.rotate_key(session, name=name, actor=ACTOR, now=now)
        issued[kind] = made.key
    return found.name, issued


def prepare(config: Settings, examples: Path) -> Loaded:
    files = example_files(examples)
    url = demo_database(config)
    db = open_database(config.model_copy(update={"database_url": url}), migrate=True)
    try:
        loaded = load_examples(db, files, SystemClock().now())
    finally:
        db.dispose()
    return replace(loaded, database=url)


def explained(loaded: Loaded, url: str, *, chosen: bool) -> list[str]:
    """What the demo tells a newcomer before the server starts: the database (and the line that
    points later commands at it, when the demo chose it), the keys and a curl to try."""
    shown = make_url(normalize_url(loaded.database)).render_as_string(hide_password=True)
    lines = [f"onwatch demo: database {shown}"]
    if chosen:
        lines.append(
            "onwatch demo: to use it from other commands (onwatch incidents list, …), first run: "
            f"export ONWATCH_DATABASE_URL={shlex.quote(loaded.database)}"
        )
    if loaded.keys:
        lines.append(f"onwatch demo: integration keys feeding {loaded.service}, one per format:")
        width = max(len(kind) for kind in loaded.keys)
        for kind, key in loaded.keys.items():
            where = INTAKE[kind].replace("KEY", key)
            lines.append(f"  {kind:<{width}}  {key}  POST {url}{where}")
        generic = f"{url}/api/v1/intake/generic/{loaded.keys['generic']}"
        body = json.dumps(OPENS_AN_INCIDENT)
        lines.append("onwatch demo: open an incident:")
        lines.append(
            f"  curl -sS {shlex.quote(generic)} -H 'Content-Type: application/json' "
            f"-d {shlex.quote(body)}"
        )
    return lines


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
    """Load every example config into a demo database and start onwatch on it, with demo
    logins and an integration key per format.

    Uses ONWATCH_DATABASE_URL if set, else DATA_DIR/demo.db (replaced each run); prints the line
    that points other commands at it."""
    config = settings()
    folder = examples or checkout_examples()
    with reported():
        loaded = prepare(config, folder)
    names = ", ".join(p.name for p in loaded.files)
    typer.echo(f"onwatch demo: loaded {len(loaded.files)} example files from {folder} ({names})")
    url = public_url(
        config.model_copy(update={"host": host or config.host, "port": port or config.port})
    )
    for line in explained(loaded, url, chosen=not config.database_url):
        typer.echo(line)
    if load_only:
        typer.echo(f"onwatch demo: log in as {' / '.join(ADMIN)}")
        return
    # The server and the web app, imported only when the demo serves (startup speed).
    from onwatch.cli.server import run_server

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
