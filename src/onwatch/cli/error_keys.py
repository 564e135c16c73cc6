"""`onwatch errors keys list|disable|rotate`: a service's DSN keys, disabling one (intake answers
401 to it), and rotating them (a new key; the old ones disabled at once with --disable-old, else
left working until disabled by hand)."""

from __future__ import annotations

from typing import Any

import typer

from onwatch.cli.output import at_text, emit, emit_items, table
from onwatch.cli.runtime import actor, open_database, public_url, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.directory.models import Service
from onwatch.directory.queries import get_service
from onwatch.errors import keys, queries

app = typer.Typer(no_args_is_help=True, help="DSN keys: list, disable, rotate.")
JSON = typer.Option(False, "--json", help="Print JSON.")


def _views(rows: list[tuple[Any, str]]) -> list[dict[str, Any]]:
    # The API's view (and FastAPI under it) only when a command prints: startup speed.
    from onwatch.web.api.error_setup import key_view

    base = public_url(settings())
    return [key_view(key, name, base) for key, name in rows]


def _table(rows: list[dict[str, Any]]) -> None:
    table(
        ["ID", "SERVICE", "CREATED", "DISABLED", "DSN"],
        (
            [r["id"], r["service"], at_text(r["created_at"]), at_text(r["disabled_at"]), r["dsn"]]
            for r in rows
        ),
        empty="No DSN keys.",
    )


@app.command("list")
def list_keys(
    service: str | None = typer.Option(None, "--service", help="Only this service's keys."),
    as_json: bool = JSON,
) -> None:
    """DSN keys with their DSNs and when each was disabled."""
    db = open_database(settings())
    with reported(), db.read() as session:
        service_id = get_service(session, service).id if service else None
        rows = _views(queries.keys_of(session, service_id))
    if as_json:
        emit_items(rows)
        return
    _table(rows)


@app.command("disable")
def disable(
    key: str = typer.Argument(..., help="The key's number or its public key."),
    as_json: bool = JSON,
) -> None:
    """Disable a DSN key: intake answers 401 to it from now on."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        found = keys.disable_key(session, key, actor=actor(), now=SystemClock().now())
        [view] = _views([(found, session.get_one(Service, found.service_id).name)])
    if as_json:
        emit(view)
        return
    typer.echo(f"DSN key {view['id']} of {view['service']} disabled at "
               f"{at_text(view['disabled_at'])}.")  # fmt: skip


@app.command("rotate")
def rotate(
    service: str = typer.Option(..., "--service", help="The service whose keys are rotated."),
    disable_old: bool = typer.Option(
        False,
        "--disable-old",
        help="Disable its keys in use at once (else they keep working until `keys disable`).",
    ),
    as_json: bool = JSON,
) -> None:
    """Issue a new DSN for the service and print it; its old keys keep working until disabled
    (`onwatch errors keys disable ID`), or stop at once with --disable-old."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        new, old = keys.rotate_keys(
            session, service=service, disable_old=disable_old, actor=actor(),
            now=SystemClock().now(),
        )  # fmt: skip
        [view, *previous] = _views([(k, service) for k in (new, *old)])
    if as_json:
        emit({"key": view, "previous": previous})
        return
    typer.echo(view["dsn"])
    for p in previous:
        state = "disabled" if p["disabled_at"] else "still works until disabled"
        typer.echo(f"previous key {p['id']}: {state}", err=True)
