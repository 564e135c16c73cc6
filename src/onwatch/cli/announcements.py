"""`onwatch announce SERVICE RELEASE`: e-mail a release announcement (the team's template) to
the subscribers of the service and its team, as `cli:<user>`, audited."""

from __future__ import annotations

from datetime import datetime

import typer

from onwatch.cli.output import emit
from onwatch.cli.runtime import actor, fail, open_database, reported, settings
from onwatch.core.clock import SystemClock


def announce(
    service: str = typer.Argument(..., help="The service released."),
    release: str = typer.Argument(..., help="The release's name, such as v2.4.0."),
    notes: str = typer.Option("", "--notes", help="What changes for users."),
    at: str = typer.Option(
        None, "--at", help="When it ships, ISO 8601 with its zone (default: now)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """E-mail a release announcement to the service's subscriber lists."""
    from onwatch.stakeholders import announcements
    from onwatch.web.api.stakeholders import mailing

    release_at = None
    if at:
        try:
            release_at = datetime.fromisoformat(at)
        except ValueError:
            fail(f"--at: not an ISO 8601 instant: {at!r}", 2)
    config = settings()
    db = open_database(config)
    with reported(), db.transaction() as session:
        row = announcements.announce(
            session, service, release, notes=notes, release_at=release_at, actor=actor(),
            now=SystemClock().now(), mailing=mailing(config),
        )  # fmt: skip
        result = {
            "id": row.id, "service": service, "release": row.release, "subject": row.subject,
            "release_at": row.release_at, "recipients": list(row.recipients),
        }  # fmt: skip
    if as_json:
        emit(result)
        return
    count = len(result["recipients"])
    typer.echo(f"announced to {count} subscriber{'s' if count != 1 else ''}: {row.subject}")
