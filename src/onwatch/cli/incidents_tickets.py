"""`onwatch incidents ticket ID`: the incident's external tickets (state, link), or with
`--open`, open one in its team's tracker (the engine makes the call). Exit 4 for no such
incident, 5 when its team has no tracker or it has a ticket already. Registered on
`onwatch incidents` by cli/incidents.py."""

from __future__ import annotations

from dataclasses import asdict

import typer

from onwatch.cli.output import emit
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.incidents import actions as incidents
from onwatch.tickets import queries
from onwatch.tickets.incidents import SUBJECT, IncidentTickets


def ticket(
    incident_id: int = typer.Argument(...),
    open_one: bool = typer.Option(
        False, "--open", help="Open a ticket in the team's tracker (if it has none yet)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show an incident's external tickets, or open one (--open)."""
    config = settings()
    db = open_database(config)
    with reported():
        if open_one:
            with db.transaction() as session:
                IncidentTickets(config.resolved_base_url()).open(
                    session, incident_id, actor=actor(), now=SystemClock().now()
                )
        with db.read() as session:
            incidents.get(session, incident_id)
            found = queries.tickets_of(session, SUBJECT, incident_id)
    if as_json:
        emit({"incident_id": incident_id, "tickets": [asdict(t) for t in found]})
        return
    if not found:
        typer.echo(f"incident {incident_id} has no ticket")
    for t in found:
        where = t.url or f"{t.repository} (no number yet)"
        why = f"  ({t.error})" if t.error else ""
        typer.echo(f"{t.state:8} {where}{why}")


def register(app: typer.Typer) -> None:
    app.command("ticket")(ticket)
