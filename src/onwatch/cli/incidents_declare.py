"""`onwatch incidents declare`: open an incident by hand from the operator's shell, as
`cli:<user>`; the service's on-call is paged through its escalation policy. `--key` makes a
retried command declare once, as the API's Idempotency-Key does."""

from __future__ import annotations

import typer

from onwatch.cli.output import emit
from onwatch.cli.runtime import actor, open_database, reported, settings


def declare(
    service: str = typer.Option(..., "--service", help="The service it is about."),
    title: str = typer.Option(..., "--title", help="What is wrong, in a line."),
    severity: str = typer.Option("sev3", "--severity", help="sev1 (worst) to sev4."),
    priority: str = typer.Option(None, "--priority", help="p1 (first) to p5; none by default."),
    summary: str = typer.Option(None, "--summary", help="A short account for stakeholders."),
    key: str = typer.Option(
        None, "--key", help="An idempotency key: the same key and fields declare once."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Declare an incident: it opens triggered and pages the service's on-call (exit 3 naming
    the field at fault, with nothing stored)."""
    # The domain and the API's view only when the command runs, for startup speed.
    from onwatch.core.clock import SystemClock
    from onwatch.incidents import declaring, queries
    from onwatch.web.api.declare import Declared
    from onwatch.web.api.incidents import IncidentOut

    db = open_database(settings())
    with reported(), db.transaction() as session:
        done = declaring.declare(
            session,
            service=service,
            title=title,
            severity=severity,
            priority=priority,
            summary=summary,
            actor=actor(),
            source="cli",
            now=SystemClock().now(),
            key=f"cli:{key}" if key else None,
        )
        row = queries.get_incident(session, done.incident.id)
        fields = IncidentOut.of(row).model_dump()
        fields.update(priority=row.incident.priority, summary=row.incident.summary)
        out = Declared(**fields)
    if as_json:
        emit({"incident": out, "created": done.created})
        return
    if done.created:
        typer.echo(
            f"declared incident {out.id} on {out.service} ({out.severity}): {out.title}; "
            "its on-call is being paged"
        )
    else:
        typer.echo(f"incident {out.id} was already declared with this key (nothing new)")


def register(app: typer.Typer) -> None:
    app.command("declare")(declare)
