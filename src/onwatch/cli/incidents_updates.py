"""`onwatch incidents update ID --status "…"`: send stakeholders an update from the team's
template (to the service's and its team's subscribers and every role holder), as
`cli:<user>`, audited and on the timeline. Registered on `onwatch incidents` by cli/incidents.py."""

from __future__ import annotations

import typer

from onwatch.cli.output import emit
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.core.clock import SystemClock


def update(
    incident_id: int = typer.Argument(...),
    status: str = typer.Option(..., "--status", help="The current status, in quotes."),
    summary: str = typer.Option(
        None, "--summary", help="A 2-3 sentence summary; replaces the incident's."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Send stakeholders an update (exit 5 if the incident is closed)."""
    # The API's view and the composer (Jinja2) only when the command runs: startup speed.
    from onwatch.stakeholders import updates
    from onwatch.web.api.stakeholders import UpdateOut, mailing

    config = settings()
    db = open_database(config)
    with reported(), db.transaction() as session:
        row = updates.send_update(
            session, incident_id, status, summary=summary, actor=actor(), source="cli",
            now=SystemClock().now(), mailing=mailing(config),
        )  # fmt: skip
        result = UpdateOut.of(row)
    if as_json:
        emit(result)
        return
    count = len(result.recipients)
    typer.echo(f"update {result.id} sent to {count} recipient{'s' if count != 1 else ''}")
    typer.echo(f"subject: {result.subject}")
