"""`onwatch incidents list|show|ack|resolve|reopen|note`: incidents from the operator's shell
(--json too); the changes act as `cli:<user>`, audited and written on the timeline."""

from __future__ import annotations

import typer

from onwatch.alerts import responding
from onwatch.cli.alerts import emit, when
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.incidents import actions, queries
from onwatch.web.api.incidents import IncidentChange, IncidentOut, incident_detail

app = typer.Typer(
    no_args_is_help=True, help="Incidents: list, show, acknowledge, resolve, reopen, note."
)


def _line(i: dict) -> str:
    return (
        f"{i['id']:>6}  {when(i['opened_at'])}  {i['service']:<16} {i['status']:<13}"
        f"{i['severity']:<6}{i['alert_count']:>4} alerts  {i['title']}"
    )


@app.command("list")
def list_incidents(
    service: str = typer.Option(None, "--service"),
    status: str = typer.Option(None, "--status", help="triggered, acknowledged, resolved or open."),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    before: int = typer.Option(None, "--before", help="Only incidents older than this id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Incidents, newest first."""
    db = open_database(settings())
    with reported(), db.read() as session:
        page = queries.list_incidents(
            session, service=service, status=status, before=before, limit=limit
        )
        rows = [IncidentOut.of(row).model_dump(mode="json") for row in page.items]
    if as_json:
        emit({"items": rows, "next_before": page.next_before})
        return
    for row in rows:
        typer.echo(_line(row))
    if page.next_before is not None:
        typer.echo(f"more: --before {page.next_before}", err=True)


@app.command("show")
def show_incident(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """One incident with its alerts and its timeline."""
    db = open_database(settings())
    with reported(), db.read() as session:
        data = incident_detail(session, incident_id).model_dump(mode="json")
    if as_json:
        emit(data)
        return
    typer.echo(_line(data))
    typer.echo("alerts:")
    for a in data["alerts"]:
        typer.echo(f"  {a['id']:>8}  {a['status']:<13}×{a['count']:<5} {a['summary']}")
    typer.echo(f"timeline ({data['timeline_total']} entries):")
    for e in data["timeline"]:
        typer.echo(f"  {when(e['at'])}  {e['kind']:<13}{e['actor']:<24}{e['text']}")


def _change(incident_id: int, verb: str, as_json: bool) -> None:
    db = open_database(settings())
    act = responding.acknowledge_incident if verb == "ack" else responding.resolve_incident
    with reported(), db.transaction() as session:
        _, changed = act(session, incident_id, actor=actor(), now=SystemClock().now())
        result = IncidentChange(
            incident=IncidentOut.of(queries.get_incident(session, incident_id)), changed=changed
        )
    if as_json:
        emit(result.model_dump(mode="json"))
        return
    status = result.incident.status
    typer.echo(f"incident {incident_id} {status}" + ("" if changed else " (no change)"))


@app.command("ack")
def acknowledge(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Acknowledge an incident and its firing alerts."""
    _change(incident_id, "ack", as_json)


@app.command("resolve")
def resolve(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Resolve an incident and every open alert of it."""
    _change(incident_id, "resolve", as_json)


@app.command("reopen")
def reopen(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Open a resolved incident again (exit 5 if it is not resolved, or if another open
    incident of its service holds the same group)."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        actions.reopen(session, incident_id, actor=actor(), now=SystemClock().now())
        result = IncidentChange(
            incident=IncidentOut.of(queries.get_incident(session, incident_id)), changed=True
        )
    if as_json:
        emit(result.model_dump(mode="json"))
        return
    typer.echo(f"incident {incident_id} {result.incident.status}")


@app.command("note")
def note(
    incident_id: int = typer.Argument(...),
    text: str = typer.Argument(..., help="The note, in quotes."),
) -> None:
    """Add a note to an incident's timeline."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        entry = actions.add_note(session, incident_id, text, actor=actor(), now=SystemClock().now())
        entry_id = entry.id
    typer.echo(f"noted on incident {incident_id} (entry {entry_id})")
