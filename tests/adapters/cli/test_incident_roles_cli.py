"""`onwatch incidents assign|request|impact|security` from the shell: each acts as `cli:<user>`
with source cli on the timeline, prints a table or --json, and a bad field exits 3 naming it
with nothing stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import IncidentImpact, TimelineEntry
from tests.adapters.cli.conftest import Onwatch
from tests.adapters.web.roles_setup import organise
from tests.adapters.web.test_overview import fire
from tests.timeline import unruled


@pytest.fixture
def incident(db: Database, clock: FakeClock) -> int:
    organise(db, clock)
    return fire(db, clock, "checkout", "critical", "checkout: card payments failing")


def sources(db: Database, incident: int) -> list[tuple[str, str]]:
    with db.read() as session:
        return [
            (e.kind, e.source)
            for e in session.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.incident_id == incident, TimelineEntry.source == "cli")
                .order_by(TimelineEntry.id)
            )
        ]


def test_assign_a_commander_with_a_backup_from_the_shell(
    onwatch: Onwatch, db: Database, incident: int
) -> None:
    shown = onwatch("incidents", "assign", str(incident), "commander", "ann", "--backup", "cy")
    assert shown.exit_code == 0, shown.output
    assert "Incident commander    Ann Archer  Cy Chen" in shown.stdout
    data = json.loads(
        onwatch("incidents", "assign", str(incident), "scribe", "bob", "--json").stdout
    )
    assert data["changed"] is True
    assert [(r["role"], r["person"]) for r in data["roles"]] == [
        ("commander", "ann"), ("communications", "bob"), ("scribe", "bob"),
    ]  # fmt: skip
    bad = onwatch("incidents", "assign", str(incident), "pilot", "ann")
    assert (bad.exit_code, bad.stderr.splitlines()[0]) == (
        3, "error: role: no role 'pilot'; roles are commander, communications, scribe",
    )  # fmt: skip
    assert unruled(sources(db, incident)) == [("role", "cli"), ("role", "cli")]


def test_request_impact_and_security_from_the_shell(
    onwatch: Onwatch, db: Database, incident: int
) -> None:
    asked = json.loads(
        onwatch(
            "incidents", "request", str(incident), "--person", "bob", "-m", "help", "--json"
        ).stdout
    )
    assert [(r["person"], r["state"]) for r in asked["items"]] == [("bob", "requested")]
    bad = onwatch("incidents", "impact", str(incident), "--share", "140")
    assert bad.exit_code == 3 and "users_share" in bad.stderr
    with db.read() as session:
        assert session.get(IncidentImpact, incident) is None
    made = onwatch(
        "incidents", "impact", str(incident), "--share", "12.5", "--application", "Checkout",
        "--triage", "annoying", "--runbook-used", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    assert (data["users_share"], data["applications"], data["triage"], data["runbook_used"]) == (
        12.5, ["Checkout"], "annoying", True,
    )  # fmt: skip
    flagged = onwatch("incidents", "security", str(incident))
    assert flagged.stdout.strip() == f"incident {incident} flagged: security or personal data"
    again = json.loads(onwatch("incidents", "security", str(incident), "--json").stdout)
    assert again["changed"] is False
    assert unruled(sources(db, incident)) == [
        ("responder_requested", "cli"), ("impact", "cli"), ("security", "cli"),
    ]  # fmt: skip
