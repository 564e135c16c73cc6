"""`onwatch incidents upstream|maintenance|evidence`: an upstream outage from the shell. Mark an
incident upstream with the report's link (or show its upstream state), open a maintenance window
on the upstream service with a message for users, and print (or attach) the evidence bundle as
Markdown or JSON. Changes act as `cli:<user>`, on the timeline with source `cli`, audited.
Registered on `onwatch incidents` by cli/incidents.py (`register(app)`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from onwatch.cli.output import at_text, emit
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.cli.silences import checked
from onwatch.core.clock import SystemClock
from onwatch.incidents import actions as incidents
from onwatch.upstream import actions, bundles, evidence, queries
from onwatch.upstream.requests import EvidenceAsk, MaintenanceAsk, UpstreamAsk


class Format(StrEnum):
    md = "md"
    json = "json"


def _state(session: Any, incident_id: int, telling: actions.Telling) -> dict[str, Any]:
    incident = incidents.get(session, incident_id)
    service = queries.upstream_service(session, incident)
    told = actions.told(session, incident, service, telling) if service else []
    return {
        "incident_id": incident.id,
        "upstream": incident.upstream,
        "upstream_service": service.name if service else None,
        "upstream_url": incident.upstream_url,
        "choices": [s.name for s in queries.upstream_choices(session, incident.service_id)],
        "told": [{"handle": p.handle, "name": p.name, "why": why} for p, why in told],
        "windows": [
            {"id": w.id, "service": name, "ends_at": w.ends_at, "message": w.message}
            for w, name in queries.windows_of(session, incident.id)
        ],
        "evidence": [
            {"id": b.id, "url": b.document.get("url"), "created_at": b.created_at}
            for b in queries.bundles_of(session, incident.id)
        ],
    }


def upstream(
    incident_id: int = typer.Argument(...),
    service: str = typer.Option(
        None, "--service", help="The upstream service (one its service depends on)."
    ),
    url: str = typer.Option(None, "--url", help="The upstream report or support ticket."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Mark an incident as an upstream outage (--service, --url), or show its upstream state."""
    config = settings()
    telling = actions.Telling.of(config)
    db = open_database(config)
    with reported():
        if service is None and url is None:
            with db.read() as session:
                state = _state(session, incident_id, telling)
        else:
            ask = checked(UpstreamAsk, service=service, url=url)
            with db.transaction() as session:
                actions.mark(
                    session, incident_id, service=ask.service, url=ask.url, actor=actor(),
                    now=SystemClock().now(), source="cli", telling=telling,
                )  # fmt: skip
                state = _state(session, incident_id, telling)
    if as_json:
        emit(state)
        return
    if state["upstream_service"] is None:
        choices = ", ".join(state["choices"]) or "none"
        typer.echo(f"incident {incident_id} is not upstream (may be marked: {choices})")
        return
    typer.echo(
        f"incident {incident_id}: outage of {state['upstream_service']}; reported at "
        f"{state['upstream_url'] or '(no link yet)'}"
    )
    told = ", ".join(f"{p['name']} ({p['why']})" for p in state["told"]) or "nobody known"
    typer.echo(f"told: {told}")
    for w in state["windows"]:
        typer.echo(f"maintenance {w['id']} until {at_text(w['ends_at'])}: {w['message']}")
    for b in state["evidence"]:
        typer.echo(f"evidence {b['id']}: {b['url']}")


def maintenance(
    incident_id: int = typer.Argument(...),
    message: str = typer.Option(..., "--message", help="What users are told."),
    duration: str = typer.Option(None, "--for", help="How long from now: 30m, 2h, 1d."),
    ends_at: str = typer.Option(None, "--until", help="When it ends (ISO 8601 with zone)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open a maintenance window on the incident's upstream service from now, with a message
    users see on the status page."""
    config = settings()
    db = open_database(config)
    with reported():
        ask = checked(MaintenanceAsk, message=message, duration=duration, ends_at=ends_at)
        with db.transaction() as session:
            window = actions.open_maintenance(
                session, incident_id, message=ask.message, ends_at=ask.ends_at,
                duration=ask.duration, actor=actor(), now=SystemClock().now(), source="cli",
                telling=actions.Telling.of(config),
            )  # fmt: skip
            shown = {
                "id": window.id,
                "starts_at": window.starts_at,
                "ends_at": window.ends_at,
                "message": window.message,
            }
    if as_json:
        emit(shown)
        return
    typer.echo(
        f"maintenance {shown['id']}: {at_text(shown['starts_at'])} to {at_text(shown['ends_at'])}"
    )


def evidence_command(
    incident_id: int = typer.Argument(...),
    since: str = typer.Option(None, "--since", help="ISO 8601 with zone; default first alert."),
    until: str = typer.Option(None, "--until", help="ISO 8601 with zone; default now."),
    samples: int = typer.Option(evidence.DEFAULT_SAMPLES, "--samples"),
    format: Format = typer.Option(Format.md, "--format", help="md (Markdown) or json."),
    attach: bool = typer.Option(
        False, "--attach", help="Keep it, note it and send it to the upstream owner."
    ),
    as_json: bool = typer.Option(False, "--json", help="The same as --format json."),
) -> None:
    """The evidence bundle of an incident's alerts and linked error issues: sample failures,
    total events, unique client IPs, as Markdown or JSON; --attach keeps and sends it."""
    config = settings()
    db = open_database(config)
    now = SystemClock().now()
    with reported():
        ask = checked(EvidenceAsk, since=since, until=until, samples=samples)
        if attach:
            with db.transaction() as session:
                kept = bundles.attach_evidence(
                    session, incident_id, since=ask.since, until=ask.until, samples=ask.samples,
                    actor=actor(), now=now, source="cli", telling=actions.Telling.of(config),
                )  # fmt: skip
                document, text = dict(kept.document), kept.markdown
        else:
            with db.read() as session:
                found = bundles.build_evidence(
                    session, incident_id, since=ask.since, until=ask.until,
                    samples=ask.samples, now=now,
                )  # fmt: skip
            document = evidence.to_document(found)
            text = evidence.to_markdown(document)
    if as_json or format == Format.json:
        typer.echo(bundles.evidence_json(document), nl=False)
        return
    typer.echo(text, nl=False)


def register(app: typer.Typer) -> None:
    """Add the commands to `onwatch incidents`."""
    app.command("upstream")(upstream)
    app.command("maintenance")(maintenance)
    app.command("evidence")(evidence_command)
