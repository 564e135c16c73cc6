"""`onwatch incidents assign|request|impact|security`: an incident's roles, requested responders,
impact and security flag from the shell (--json too), acting as `cli:<user>`, on the timeline
with source cli and audited. Registered on `onwatch incidents` by cli/incidents.py."""

from __future__ import annotations

from datetime import datetime

import typer

from onwatch.cli.output import at_text, emit, table
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.core.clock import SystemClock


def assign(
    incident_id: int = typer.Argument(...),
    role: str = typer.Argument(..., help="commander, communications, or a configured role."),
    person: str = typer.Argument(..., help="The holder's handle."),
    backup: str = typer.Option(None, "--backup", help="A backup's handle."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Give a role on an incident to a person (a hand-over when someone held it)."""
    from onwatch.incidents import roles
    from onwatch.web.api.roles import roles_of  # startup speed

    db = open_database(settings())
    with reported(), db.transaction() as session:
        _, changed = roles.assign(
            session, incident_id, role, person, backup=backup, actor=actor(),
            now=SystemClock().now(), source="cli",
        )  # fmt: skip
        shown = roles_of(session, incident_id)
    if as_json:
        emit({"changed": changed, **shown.model_dump()})
        return
    _roles_table(shown.model_dump()["roles"])
    if not changed:
        typer.echo("(no change)", err=True)


def _roles_table(rows: list[dict]) -> None:
    table(
        ["ROLE", "HOLDER", "BACKUP", "SINCE"],
        (
            [
                r["display_name"],
                r["person_name"] or "unclaimed",
                r["backup_name"] or "—",
                at_text(r["assigned_at"]),
            ]
            for r in rows
        ),  # fmt: skip
        empty="no roles",
    )


def request(
    incident_id: int = typer.Argument(...),
    person: str = typer.Option(None, "--person", help="Ask this person (handle)…"),
    policy: str = typer.Option(None, "--policy", help="…or whoever its first step reaches now."),
    message: str = typer.Option("", "--message", "-m", help="Why, in a line."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Ask a person, or an escalation policy's first step, to join an incident: each gets a
    message with accept and decline links."""
    from onwatch.incidents import responders
    from onwatch.web.api.roles import RespondersOut, responders_of  # startup speed

    db = open_database(settings())
    with reported(), db.transaction() as session:
        asked = responders.request(
            session, incident_id, person=person, policy=policy, message=message,
            actor=actor(), now=SystemClock().now(), source="cli",
        )  # fmt: skip
        shown = RespondersOut(items=responders_of(session, incident_id), already=asked.already)
    if as_json:
        emit(shown)
        return
    table(
        ["PERSON", "STATE", "ASKED", "MESSAGE"],
        ([r.person_name, r.state, at_text(r.requested_at), r.message] for r in shown.items),
        empty="nobody asked",
    )
    for name in asked.already:
        typer.echo(f"{name} was already asked", err=True)


def impact(
    incident_id: int = typer.Argument(...),
    users: int = typer.Option(None, "--users", help="Users impacted (a count)."),
    share: float = typer.Option(None, "--share", help="Share of users impacted, in percent."),
    qa_severity: str = typer.Option(None, "--qa-severity"),
    effort: str = typer.Option(None, "--effort", help="Effort to remediate."),
    next_release: str = typer.Option(
        None, "--next-release", help="When the next natural release ships (ISO 8601, with zone)."
    ),
    application: list[str] = typer.Option(
        None, "--application", help="An application impacted (repeat for several)."
    ),
    business: str = typer.Option(None, "--business", help="Business impact in plain words."),
    triage: str = typer.Option(
        None, "--triage", help="noise, annoying, data_corrupting or work_stopping."
    ),
    runbook_used: bool = typer.Option(None, "--runbook-used/--no-runbook-used"),
    other_team: bool = typer.Option(None, "--other-team-acted/--no-other-team-acted"),
    out_of_band: bool = typer.Option(None, "--out-of-band-release/--no-out-of-band-release"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set an incident's impact fields (those not given keep their value). A triage of
    data_corrupting or work_stopping tells the tech lead and the urgent contacts at once."""
    from onwatch.incidents import impact as impacts
    from onwatch.web.api.roles import impact_of  # startup speed

    given = {
        "users_count": users, "users_share": share, "qa_severity": qa_severity,
        "remediation_effort": effort, "next_release_at": next_release,
        "applications": application or None, "business_impact": business, "triage": triage,
        "runbook_used": runbook_used, "other_team_acted": other_team,
        "out_of_band_release": out_of_band,
    }  # fmt: skip
    db = open_database(settings())
    with reported(), db.transaction() as session:
        changes = impacts.parse({k: v for k, v in given.items() if v is not None})
        _, changed = impacts.set_impact(
            session, incident_id, changes, actor=actor(), now=SystemClock().now(), source="cli"
        )
        shown = impact_of(session, incident_id)
    if as_json:
        emit({"changed": changed, **shown.model_dump()})
        return
    for name, value in shown.model_dump().items():
        if isinstance(value, datetime):
            value = at_text(value)
        elif isinstance(value, list):
            value = ", ".join(value) or "—"
        typer.echo(f"{name}: {'—' if value is None else value}")


def security(
    incident_id: int = typer.Argument(...),
    off: bool = typer.Option(False, "--off", help="Clear the flag instead."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Flag an incident as involving security or personal data: the security contacts are
    told at once (once per incident)."""
    from onwatch.incidents import impact as impacts

    db = open_database(settings())
    with reported(), db.transaction() as session:
        changed = impacts.set_security(
            session, incident_id, not off, actor=actor(), now=SystemClock().now(), source="cli"
        )
    if as_json:
        emit({"incident": incident_id, "security": not off, "changed": changed})
        return
    said = "flagged: security or personal data" if not off else "security flag cleared"
    typer.echo(f"incident {incident_id} {said}" + ("" if changed else " (no change)"))
