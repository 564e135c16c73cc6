"""`onwatch alerts list|show`: alerts from the operator's shell, as a table or as --json."""

from __future__ import annotations

import json
from typing import Any

import typer

from onwatch.alerts import queries
from onwatch.cli.runtime import open_database, reported, settings
from onwatch.web.api.alerts import AlertDetail, AlertOut

app = typer.Typer(no_args_is_help=True, help="Alerts as monitors reported them.")


def emit(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


def when(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "—"


@app.command("list")
def list_alerts(
    service: str = typer.Option(None, "--service", help="Only this service's alerts."),
    status: str = typer.Option(None, "--status", help="firing, acknowledged, resolved or open."),
    held: bool = typer.Option(None, "--held/--not-held", help="Held by a silence/maintenance."),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    before: int = typer.Option(None, "--before", help="Only alerts older than this id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Alerts, newest first."""
    db = open_database(settings())
    with reported(), db.read() as session:
        page = queries.list_alerts(
            session, service=service, status=status, held=held, before=before, limit=limit
        )
        rows = [AlertOut.of(row).model_dump(mode="json") for row in page.items]
    if as_json:
        emit({"items": rows, "next_before": page.next_before})
        return
    for a in rows:
        state = f"held ({a['held_by']})" if a["held_by"] else a["status"]
        typer.echo(
            f"{a['id']:>8}  {when(a['last_seen_at'])}  {a['service']:<16} {state:<13}"
            f"{a['severity']:<9}×{a['count']:<5} {a['summary']}"
        )
    if page.next_before is not None:
        typer.echo(f"more: --before {page.next_before}", err=True)


@app.command("show")
def show_alert(
    alert_id: int = typer.Argument(..., help="The alert's id."),
    events: int = typer.Option(20, "--events", min=0, max=500, help="How many newest events."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """One alert with its newest events."""
    db = open_database(settings())
    with reported(), db.read() as session:
        row = queries.get_alert(session, alert_id)
        detail = AlertDetail.detail(row, queries.alert_events(session, alert_id, events))
    data = detail.model_dump(mode="json")
    if as_json:
        emit(data)
        return
    typer.echo(f"alert {data['id']}: {data['summary']}")
    for name in (
        "service",
        "status",
        "held_by",
        "severity",
        "dedup_key",
        "source",
        "count",
        "incident_id",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
    ):
        if data[name] not in (None, ""):
            typer.echo(f"  {name + ':':<15}{data[name]}")
    for key, value in data["labels"].items():
        typer.echo(f"  label {key}={value}")
    typer.echo(f"events ({len(data['events'])} newest of {data['events_total']}):")
    for e in data["events"]:
        action = e["action"] + (f" ×{e['repeats']}" if e["repeats"] > 1 else "")
        typer.echo(f"  {when(e['received_at'])}  {action:<12}{e['outcome']:<13}{e['summary']}")
