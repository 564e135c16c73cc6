"""`onwatch people test-notify HANDLE`: send a person a test notification by each contact
method onwatch can reach them by (or by one), to check that their rules will reach them."""

from __future__ import annotations

import typer

from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.notifications.trial import send_test_notification

app = typer.Typer(no_args_is_help=True, help="People: send one a test notification.")


@app.command("test-notify")
def test_notify(
    handle: str = typer.Argument(..., help="The person's handle."),
    method: str | None = typer.Option(
        None,
        "--method",
        help="Only this contact method: its number (from 1), its label, or `email`.",
    ),
) -> None:
    """Write a test message to every contact method of HANDLE that onwatch can send to, and to
    their e-mail address; the engine delivers them. Exit 4 for an unknown person, 3 for a
    method that does not exist or cannot be paged."""
    chosen: str | int | None = int(method) if method and method.isdigit() else method
    db = open_database(settings())
    with reported(), db.transaction() as session:
        trial = send_test_notification(
            session, handle, method=chosen, actor=actor(), now=SystemClock().now()
        )
    for label in trial.sent:
        typer.echo(f"test notification to {handle} by {label}: queued")
    for label, why in trial.skipped:
        typer.echo(f"skipped {label}: {why}", err=True)
    typer.echo("the engine sends them (`onwatch engine`, or `onwatch serve`)")
