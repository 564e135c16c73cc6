"""`onwatch alerts list|show`: alerts from the operator's shell, as a table or as --json."""

from __future__ import annotations

from collections.abc import Sequence

import typer

from onwatch.alerts import queries
from onwatch.cli.output import at_text, emit, emit_items, fields, table
from onwatch.cli.runtime import open_database, reported, settings
from onwatch.core.errors import Invalid

app = typer.Typer(no_args_is_help=True, help="Alerts as monitors reported them.")
ALL = "all"


def status_filter(value: str | None, choices: Sequence[str]) -> str | None:
    """The status filter a --status option asks the queries for: `all` (or none) is every
    status; anything not in `choices` or `all` is Invalid naming the option."""
    if value is None or value == ALL:
        return None
    if value not in choices:
        raise Invalid(f"must be one of {', '.join([*choices, ALL])} (got {value!r})", "--status")
    return value


@app.command("list")
def list_alerts(
    service: str = typer.Option(None, "--service", help="Only this service's alerts."),
    status: str = typer.Option(
        None, "--status", help="firing, acknowledged, resolved, open or all (the default)."
    ),
    held: bool = typer.Option(None, "--held/--not-held", help="Held by a silence/maintenance."),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    before: int = typer.Option(None, "--before", help="Only alerts older than this id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Alerts, newest first."""
    # The API's view (and FastAPI under it) is imported only by the commands that print it,
    # for startup speed.
    from onwatch.web.api.alerts import AlertOut

    db = open_database(settings())
    with reported(), db.read() as session:
        page = queries.list_alerts(
            session,
            service=service,
            status=status_filter(status, [*queries.ALERT_STATUSES, queries.OPEN]),
            held=held,
            before=before,
            limit=limit,
        )
        rows = [AlertOut.of(row) for row in page.items]
    if as_json:
        emit_items(rows, next_before=page.next_before)
        return
    table(
        ["ID", "LAST SEEN", "SERVICE", "STATUS", "SEVERITY", "COUNT", "SUMMARY"],
        (
            [
                a.id,
                at_text(a.last_seen_at),
                a.service,
                f"held ({a.held_by})" if a.held_by else a.status,
                a.severity,
                f"×{a.count}",
                a.summary,
            ]
            for a in rows
        ),
        empty="no alerts",
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
    from onwatch.web.api.alerts import AlertDetail  # startup speed, as in list_alerts

    db = open_database(settings())
    with reported(), db.read() as session:
        row = queries.get_alert(session, alert_id)
        detail = AlertDetail.detail(row, queries.alert_events(session, alert_id, events))
    if as_json:
        emit(detail)
        return
    data = detail.model_dump()
    typer.echo(f"alert {data['id']}: {data['summary']}")
    fields(
        data,
        [
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
        ],
    )
    for key, value in data["labels"].items():
        typer.echo(f"  label {key}={value}")
    typer.echo(f"events ({len(detail.events)} newest of {detail.events_total}):")
    table(
        ["RECEIVED", "ACTION", "OUTCOME", "SUMMARY"],
        (
            [
                at_text(e.received_at),
                e.action + (f" ×{e.repeats}" if e.repeats > 1 else ""),
                e.outcome,
                e.summary,
            ]
            for e in detail.events
        ),
        empty="(none)",
    )
