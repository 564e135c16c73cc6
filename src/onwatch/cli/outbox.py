"""`onwatch outbox list|retry`: the messages waiting to be sent, the dead letters with their
last error, and sending a dead letter again (audited)."""

from __future__ import annotations

import typer

from onwatch.cli.output import at_text, emit_items, table
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.core.clock import SystemClock

app = typer.Typer(no_args_is_help=True, help="Outbox: messages to send, and dead letters.")


@app.command("list")
def list_outbox(
    state: str = typer.Option(
        "dead", help="pending, sending, sent, dead, cancelled, or all (default: dead letters)."
    ),
    limit: int = typer.Option(100, help="At most this many, newest first (1-500)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Outbox messages in one state, newest first, with their tries and last error."""
    # Imported when the command runs, for startup speed (as the other commands do).
    from onwatch.notifications import deliveries
    from onwatch.web.api.outbox import outbox_view

    db = open_database(settings())
    with reported(), db.read() as session:
        views = [
            outbox_view(row)
            for row in deliveries.list_rows(session, None if state == "all" else state, limit)
        ]
    if as_json:
        emit_items(v.model_dump() for v in views)
        return
    table(
        ["ID", "TO", "INCIDENT", "STATE", "TRIES", "DUE", "LAST ERROR"],
        (
            [
                v.id, v.label, v.incident_id or "", v.state, v.attempts,
                at_text(v.sent_at or v.due_at), v.last_error or "",
            ]
            for v in views
        ),  # fmt: skip
        empty="No dead letters." if state == "dead" else f"No messages ({state}).",
    )


@app.command("retry")
def retry(notification_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Send a dead letter again now, with a fresh count of tries. A running engine picks it up
    at its next tick."""
    from onwatch.notifications import deliveries

    db = open_database(settings())
    with reported(), db.transaction() as session:
        row = deliveries.retry(session, notification_id, actor=actor(), now=SystemClock().now())
        label = row.label
    typer.echo(f"message {notification_id} to {label} queued again")
