"""`onwatch incidents list|show|ack|resolve|reopen|note`: incidents from the operator's shell
(--json too); the changes (ack is also spelled acknowledge) act as `cli:<user>`, audited and
written on the timeline with the source `cli`. The other lifecycle moves (mitigate, close,
merge, severity) are in cli/incident_lifecycle.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import typer

from onwatch.alerts import responding
from onwatch.cli import (
    incident_lifecycle,
    incidents_declare,
    incidents_roles,
    incidents_tickets,
    incidents_upstream,
)
from onwatch.cli.alerts import status_filter
from onwatch.cli.output import at_text, emit, emit_items, table
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.core.errors import Invalid
from onwatch.incidents import actions, queries
from onwatch.incidents.models import STATUSES
from onwatch.incidents.numbers import spoken

app = typer.Typer(
    no_args_is_help=True,
    help="Incidents: declare, list, show, ack, resolve, note, update, assign, and the rest of "
    "their lifecycle, roles, impact, upstream, tickets and post-mortem waivers.",
)
HEADERS = ["ID", "OPENED", "SERVICE", "STATUS", "SEVERITY", "PRIORITY", "ALERTS", "TITLE"]


def _row(i: dict) -> list[object]:
    return [
        i["id"],
        at_text(i["opened_at"]),
        i["service"],
        i["status"],
        f"{i['severity']} {i.get('severity_name') or ''}".strip(),
        i.get("priority") or "-",
        i["alert_count"],
        i["title"],
    ]


@app.command("list")
def list_incidents(
    service: str = typer.Option(None, "--service"),
    status: str = typer.Option(
        None,
        "--status",
        help="triggered, acknowledged, mitigated, resolved, closed, open, done or all "
        "(the default).",
    ),
    severity: str = typer.Option(None, "--severity", help="sev1, sev2, sev3 or sev4."),
    priority: str = typer.Option(None, "--priority", help="p1 … p5, or none."),
    team: str = typer.Option(None, "--team", help="Only incidents of this team's services."),
    text: str = typer.Option(None, "--text", "-q", help="Text the title contains."),
    since: str = typer.Option(None, "--since", help="Opened at or after (ISO 8601, with zone)."),
    until: str = typer.Option(None, "--until", help="Opened before (ISO 8601, with zone)."),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    before: int = typer.Option(None, "--before", help="Only incidents older than this id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Incidents, newest first, narrowed by any of the filters."""
    # The API's view (and FastAPI under it) is imported only by the commands that print it,
    # for startup speed.
    from onwatch.web.api.incidents import IncidentOut

    db = open_database(settings())
    with reported(), db.read() as session:
        filters = queries.Filters(
            service=service,
            status=status_filter(status, [*STATUSES, queries.OPEN, queries.DONE]),
            severity=severity,
            priority=priority,
            team=team,
            q=text,
            since=_instant(since, "--since"),
            until=_instant(until, "--until"),
        )
        page = queries.list_incidents(session, filters=filters, before=before, limit=limit)
        names = queries.severity_names(session)
        rows = [IncidentOut.of(row, names) for row in page.items]
    if as_json:
        emit_items(rows, next_before=page.next_before)
        return
    table(HEADERS, (_row(i.model_dump()) for i in rows), empty="no incidents")
    if page.next_before is not None:
        typer.echo(f"more: --before {page.next_before}", err=True)


def _instant(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"not an ISO 8601 instant: {value!r}", option) from None
    if at.tzinfo is None:
        raise Invalid("give a time zone (Z or +hh:mm): an instant without one is ambiguous", option)
    return at


@app.command("show")
def show_incident(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """One incident with its alerts and its timeline."""
    from onwatch.web.api.incidents import incident_detail  # startup speed, as in list

    db = open_database(settings())
    with reported(), db.read() as session:
        detail = incident_detail(session, incident_id)
    if as_json:
        emit(detail)
        return
    data = detail.model_dump()
    table(HEADERS, [_row(data)], empty="")
    n = detail.numbers
    typer.echo(
        "numbers: "
        + " · ".join(
            f"{what} {spoken(None if s is None else timedelta(seconds=s))}"
            for what, s in (
                ("to acknowledge", n.time_to_acknowledge_seconds),
                ("to mitigate", n.time_to_mitigate_seconds),
                ("to resolve", n.time_to_resolve_seconds),
            )
        )
    )
    if detail.duplicate_of is not None:
        typer.echo(f"duplicate of incident {detail.duplicate_of}")
    typer.echo("alerts:")
    table(
        ["ID", "STATUS", "COUNT", "SUMMARY"],
        ([a["id"], a["status"], f"×{a['count']}", a["summary"]] for a in data["alerts"]),
        empty="(none)",
    )
    typer.echo(f"timeline ({data['timeline_total']} entries):")
    table(
        ["AT", "KIND", "BY", "VIA", "WHAT"],
        (
            [
                at_text(e["at"]),
                e["kind"],
                e.get("actor_name") or e["actor"],
                e["source"],
                e["text"],
            ]
            for e in data["timeline"]
        ),
        empty="(none)",
    )


def _change(incident_id: int, verb: str, as_json: bool) -> None:
    from onwatch.web.api.incidents import IncidentChange, IncidentOut  # startup speed

    db = open_database(settings())
    act = responding.acknowledge_incident if verb == "ack" else responding.resolve_incident
    with reported(), db.transaction() as session:
        _, changed = act(
            session, incident_id, actor=actor(), now=SystemClock().now(), source="cli"
        )
        result = IncidentChange(
            incident=IncidentOut.of(
                queries.get_incident(session, incident_id), queries.severity_names(session)
            ),
            changed=changed,
        )
    if as_json:
        emit(result)
        return
    status = result.incident.status
    typer.echo(f"incident {incident_id} {status}" + ("" if changed else " (no change)"))


@app.command("acknowledge")
@app.command("ack")  # registered first: listed first
def acknowledge(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Acknowledge an incident and its firing alerts (`ack` and `acknowledge` are the same)."""
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
    """Open a resolved or closed incident again (exit 5 if it is open, or if another open
    incident of its service holds the same group)."""
    from onwatch.web.api.incidents import IncidentChange, IncidentOut  # startup speed

    db = open_database(settings())
    with reported(), db.transaction() as session:
        actions.reopen(
            session, incident_id, actor=actor(), now=SystemClock().now(), source="cli"
        )
        result = IncidentChange(
            incident=IncidentOut.of(
                queries.get_incident(session, incident_id), queries.severity_names(session)
            ),
            changed=True,
        )
    if as_json:
        emit(result)
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
        entry = actions.add_note(
            session, incident_id, text, actor=actor(), now=SystemClock().now(), source="cli"
        )
        entry_id = entry.id
    typer.echo(f"noted on incident {incident_id} (entry {entry_id})")


# The other lifecycle moves: mitigate, close, merge, severity (cli/incident_lifecycle.py).
incident_lifecycle.register(app)
app.command("assign")(incidents_roles.assign)
app.command("request")(incidents_roles.request)
app.command("impact")(incidents_roles.impact)
app.command("security")(incidents_roles.security)
from onwatch.cli.incidents_updates import update  # noqa: E402 (a module of its own)

app.command("update")(update)
incidents_upstream.register(app)  # upstream, maintenance, evidence
incidents_declare.register(app)
incidents_tickets.register(app)  # ticket
