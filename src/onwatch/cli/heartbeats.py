"""`onwatch heartbeats add|list|key|remove`: heartbeat monitors and their ping URLs."""

from __future__ import annotations

import typer

from onwatch.alerts import heartbeats
from onwatch.cli.output import at_text, emit, emit_items, table
from onwatch.cli.runtime import actor, open_database, public_url, reported, settings
from onwatch.cli.silences import checked
from onwatch.core.clock import SystemClock

app = typer.Typer(no_args_is_help=True, help="Heartbeats: jobs that must ping onwatch in time.")


def _url(key: str) -> str:
    return public_url(settings()) + heartbeats.ping_path(key)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Unique name; the alert is heartbeat:<name>."),
    service: str = typer.Option(..., "--service", help="The service whose alert it opens."),
    interval: str = typer.Option(..., "--interval", help="How often the job pings: 1h, 1d."),
    grace: str = typer.Option("5m", "--grace", help="How late a ping may be."),
    severity: str = typer.Option("critical", "--severity", help="Severity of the alert."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a heartbeat and print its ping URL (shown once; onwatch keeps only a hash)."""
    # The API's view (and FastAPI under it) is imported only by the commands that print it,
    # for startup speed.
    from onwatch.web.api.heartbeats import heartbeat_view

    db = open_database(settings())
    now = SystemClock().now()
    with reported():
        spec = checked(
            heartbeats.HeartbeatSpec,
            name=name,
            service=service,
            interval=interval,
            grace=grace,
            severity=severity,
        )
        with db.transaction() as session:
            issued = heartbeats.create_heartbeat(session, spec, actor=actor(), now=now)
            view = heartbeat_view(issued.heartbeat, issued.service)
    if as_json:
        emit({**view, "key": issued.key, "ping_url": _url(issued.key)})
        return
    typer.echo(_url(issued.key))


@app.command("list")
def list_heartbeats(as_json: bool = typer.Option(False, "--json")) -> None:
    """Heartbeats with their state and last ping (never their keys)."""
    from onwatch.web.api.heartbeats import heartbeat_view  # startup speed, as in add

    db = open_database(settings())
    with db.read() as session:
        rows = [
            heartbeat_view(row, service) for row, service in heartbeats.list_heartbeats(session)
        ]
    if as_json:
        emit_items(rows)
        return
    table(
        ["NAME", "SERVICE", "STATE", "EVERY", "GRACE", "LAST PING", "LATE AFTER"],
        (
            [
                r["name"],
                r["service"],
                r["state"],
                r["interval"],
                r["grace"],
                at_text(r["last_ping_at"]) if r["last_ping_at"] else "never",
                at_text(r["late_after"]),
            ]
            for r in rows
        ),
        empty="no heartbeats",
    )


@app.command("key")
def new_key(
    name: str = typer.Argument(..., help="The heartbeat's name."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Issue a new ping key (the old one stops working) and print the ping URL."""
    from onwatch.web.api.heartbeats import heartbeat_view  # startup speed, as in add

    db = open_database(settings())
    with reported(), db.transaction() as session:
        issued = heartbeats.issue_key(session, name, actor=actor(), now=SystemClock().now())
        view = heartbeat_view(issued.heartbeat, issued.service)
    if as_json:
        emit({**view, "key": issued.key, "ping_url": _url(issued.key)})
        return
    typer.echo(_url(issued.key))


@app.command("remove")
def remove(name: str = typer.Argument(..., help="The heartbeat's name.")) -> None:
    """Delete a heartbeat; its open alert, if any, resolves."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        heartbeats.delete_heartbeat(session, name, actor=actor(), now=SystemClock().now())
    typer.echo(f"removed heartbeat {name}")
