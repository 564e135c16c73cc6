"""`onwatch maintenance add|list|cancel`: maintenance windows from the shell, as text or --json."""

from __future__ import annotations

import typer

from onwatch.alerts import maintenance
from onwatch.alerts.silences import held_counts
from onwatch.alerts.windows import STATES
from onwatch.cli.output import at_text, emit, emit_items, table
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.cli.silences import checked, states
from onwatch.core.clock import SystemClock
from onwatch.core.errors import Invalid

app = typer.Typer(
    no_args_is_help=True,
    help="Maintenance windows: a service's alerts are held and users see a message.",
)


@app.command("add")
def add(
    service: str = typer.Option(..., "--service", help="The service (ours or upstream)."),
    message: str = typer.Option(..., "--message", help="What users are told."),
    duration: str = typer.Option(None, "--for", help="How long: 30m, 2h, 1d."),
    ends_at: str = typer.Option(None, "--until", help="When it ends (ISO 8601 with zone)."),
    starts_at: str = typer.Option(None, "--starts", help="When it starts (default now)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Plan (or start) a maintenance window; prints its id."""
    # The API's view (and FastAPI under it) is imported only by the commands that print it,
    # for startup speed.
    from onwatch.web.api.maintenance import window_view

    db = open_database(settings())
    now = SystemClock().now()
    with reported():
        request = checked(
            maintenance.MaintenanceRequest,
            service=service,
            message=message,
            duration=duration,
            ends_at=ends_at,
            starts_at=starts_at,
        )
        with db.transaction() as session:
            window = maintenance.create_window(session, request, actor=actor(), now=now)
    if as_json:
        emit(window_view(window, service, now, 0))
        return
    typer.echo(
        f"maintenance {window.id} on {service}: {at_text(window.starts_at)} to "
        f"{at_text(window.ends_at)}"
    )


@app.command("list")
def list_windows(
    state: list[str] = typer.Option(None, "--state", help="active, pending or expired."),
    everything: bool = typer.Option(False, "--all", help="Also the recently ended."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Running windows (ending soonest first), then upcoming ones."""
    from onwatch.web.api.maintenance import window_view  # startup speed, as in add

    db = open_database(settings())
    now = SystemClock().now()
    with reported():
        wanted = states(everything, state)
        for name in wanted:
            if name not in STATES:
                raise Invalid(f"must be one of {', '.join(STATES)} (got {name!r})", "--state")
        with db.read() as session:
            found = maintenance.list_windows(session, now, wanted)  # type: ignore[arg-type]
            held = held_counts(session, "maintenance", [w.id for w, _ in found])
    rows = [window_view(w, s.name, now, held.get(w.id, 0)) for w, s in found]
    if as_json:
        emit_items(rows)
        return
    table(
        ["ID", "STATE", "SERVICE", "STARTS", "ENDS", "HOLDING", "MESSAGE"],
        (
            [
                r["id"],
                f"cancelled at {at_text(r['cancelled_at'])}" if r["cancelled_at"] else r["state"],
                r["service"],
                at_text(r["starts_at"]),
                at_text(r["ends_at"]),
                r["held_alerts"],
                r["message"],
            ]
            for r in rows
        ),
        empty="no maintenance windows",
    )


@app.command("cancel")
def cancel(
    window_id: int = typer.Argument(..., help="The window's id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """End a running window now, or drop an upcoming one (its planned times are kept)."""
    from onwatch.web.api.maintenance import window_view  # startup speed, as in add

    db = open_database(settings())
    now = SystemClock().now()
    with reported(), db.transaction() as session:
        window = maintenance.cancel_window(session, window_id, actor=actor(), now=now)
        _, service = maintenance.get_window_with_service(session, window_id)
        held = held_counts(session, "maintenance", [window_id])
    if as_json:
        emit(window_view(window, service, now, held.get(window_id, 0)))
        return
    typer.echo(f"cancelled maintenance {window_id} at {at_text(window.cancelled_at)}")
