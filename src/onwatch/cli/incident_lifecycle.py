"""`onwatch incidents mitigate|close|waive|merge|severity`: the lifecycle moves beyond acknowledge
and resolve, from the shell, as `cli:<user>` with the source `cli`; --json prints what the API
answers. A refused move exits 5 with the lifecycle's sentence, a bad value 3 naming it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import typer

from onwatch.cli.output import emit
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.core.errors import Invalid


def register(app: typer.Typer) -> None:
    app.command("mitigate")(mitigate)
    app.command("close")(close)
    app.command("waive")(waive)
    app.command("merge")(merge)
    app.command("severity")(severity)


def _move(incident_id: int, as_json: bool, act: Callable[..., tuple[object, bool]]) -> None:
    from onwatch.incidents import queries
    from onwatch.web.api.incidents import IncidentChange, IncidentOut  # startup speed

    db = open_database(settings())
    with reported(), db.transaction() as session:
        _, changed = act(session, incident_id, actor=actor(), now=SystemClock().now(), source="cli")
        row = queries.get_incident(session, incident_id)
        result = IncidentChange(
            incident=IncidentOut.of(row, queries.severity_names(session)), changed=changed
        )
    if as_json:
        emit(result)
        return
    typer.echo(
        f"incident {incident_id} {result.incident.status}" + ("" if changed else " (no change)")
    )


def mitigate(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """The impact has ended: nobody is paged for it any more (exit 5 if resolved or closed)."""
    from onwatch.alerts.responding import mitigate_incident

    _move(incident_id, as_json, mitigate_incident)


def close(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Close a resolved incident (exit 5 if it is not resolved, or while a required
    post-mortem is neither published nor waived)."""
    from onwatch.incidents.transitions import close as close_incident

    _move(incident_id, as_json, close_incident)


def waive(
    incident_id: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why no post-mortem is written."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Waive a required post-mortem, saying why; a resolved incident then closes (exit 3 for a
    blank reason, 5 when none is required or it is published)."""
    from onwatch.incidents.transitions import waive as waive_postmortem

    _move(incident_id, as_json, partial(waive_postmortem, reason=reason))


def merge(
    incident_id: int = typer.Argument(..., help="The duplicate."),
    into: int = typer.Option(
        ..., "--into", min=1, max=2**31 - 1, help="The incident it duplicates."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Mark an incident a duplicate of another: it is resolved and its open alerts move there."""
    from onwatch.alerts.merging import merge_incidents
    from onwatch.incidents import queries
    from onwatch.web.api.incident_lifecycle import MergeOut
    from onwatch.web.api.incidents import IncidentOut

    db = open_database(settings())
    with reported(), db.transaction() as session:
        _, _, moved = merge_incidents(
            session, incident_id, into, actor=actor(), now=SystemClock().now(), source="cli"
        )
        names = queries.severity_names(session)
        result = MergeOut(
            duplicate=IncidentOut.of(queries.get_incident(session, incident_id), names),
            into=IncidentOut.of(queries.get_incident(session, into), names),
            alerts_moved=moved,
        )
    if as_json:
        emit(result)
        return
    typer.echo(
        f"incident {incident_id} is a duplicate of incident {into} "
        f"({moved} open alert{'s' if moved != 1 else ''} moved)"
    )


def severity(
    incident_id: int = typer.Argument(...),
    level: str = typer.Argument(None, help="sev1, sev2, sev3 or sev4."),
    priority: str = typer.Option(None, "--priority", help="p1 … p5, or none to clear it."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Change an incident's severity, its priority (--priority), or both."""
    from onwatch.incidents import queries, transitions
    from onwatch.web.api.incident_lifecycle import PatchOut
    from onwatch.web.api.incidents import IncidentOut

    changes: dict[str, str | None] = {}
    if level is not None:
        changes["severity"] = level
    if priority is not None:
        changes["priority"] = None if priority == "none" else priority
    db = open_database(settings())
    with reported():
        if not changes:
            raise Invalid("give a severity (sev1–sev4), --priority, or both", "severity")
        with db.transaction() as session:
            _, changed = transitions.change(
                session, incident_id, changes, actor=actor(), now=SystemClock().now(), source="cli"
            )
            row = queries.get_incident(session, incident_id)
            result = PatchOut(
                incident=IncidentOut.of(row, queries.severity_names(session)), changed=changed
            )
    if as_json:
        emit(result)
        return
    i = result.incident
    typer.echo(
        f"incident {incident_id}: {i.severity} ({i.severity_name}), priority {i.priority or 'none'}"
        + ("" if changed else " (no change)")
    )
