"""Incident roles over the API: assigning and handing over (timeline with source, audit), the
acknowledger as default commander, team-role defaults at open, the unclaimed-role reminder, the
impact card's fields (422 naming the field, nothing stored), and the security flag telling its
contact once. Viewers read, responders act."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.alerts.responding import acknowledge_incident
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents import role_reminders
from onwatch.incidents.models import IncidentImpact, TimelineEntry
from onwatch.notifications.models import Notification
from tests.adapters.web.roles_setup import organise
from tests.adapters.web.test_overview import fire
from tests.conftest import bearer


@pytest.fixture
def incident(db: Database, clock: FakeClock) -> int:
    organise(db, clock)
    return fire(db, clock, "checkout", "critical", "checkout: card payments failing")


def entries(db: Database, incident: int, *kinds: str) -> list[tuple[str, str, str]]:
    with db.read() as session:
        return [
            (e.kind, e.source, e.text)
            for e in session.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.incident_id == incident, TimelineEntry.kind.in_(kinds))
                .order_by(TimelineEntry.id)
            )
        ]


def audits(db: Database, action: str) -> list[AuditEntry]:
    with db.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def notices(db: Database, kind: str) -> list[tuple[str, str]]:
    with db.read() as session:
        return [
            (n.label, n.payload.get("title", ""))
            for n in session.scalars(
                select(Notification).where(Notification.kind == kind).order_by(Notification.id)
            )
        ]


def test_a_responder_assigns_a_commander_and_hands_over_on_the_timeline_and_audited(
    client: TestClient, tokens: dict[str, str], db: Database, incident: int
) -> None:
    url = f"/api/v1/incidents/{incident}/roles/commander"
    made = client.put(
        url, json={"person": "ann", "backup": "cy"}, headers=bearer(tokens["responder"])
    )
    assert made.status_code == 200, made.text
    [commander] = [r for r in made.json()["roles"] if r["role"] == "commander"]
    assert (commander["person"], commander["backup_name"]) == ("ann", "Cy Chen")
    handed = client.put(url, json={"person": "bob"}, headers=bearer(tokens["responder"]))
    assert handed.status_code == 200
    assert entries(db, incident, "role", "role_handover") == [
        (
            "role",
            "system",
            "Bob Baker is communications owner (backup Cy Chen) (core's product_manager)",
        ),
        ("role", "api", "Ann Archer is incident commander (backup Cy Chen)"),
        ("role_handover", "api", "Incident commander handed over from Ann Archer to Bob Baker"),
    ]
    [*_, last] = audits(db, "incident.assign_role")
    assert (last.before, last.after) == (
        {"role": "commander", "person": "ann", "backup": "cy"},
        {"role": "commander", "person": "bob", "backup": None},
    )
    shown = client.get(f"/api/v1/incidents/{incident}/roles", headers=bearer(tokens["viewer"]))
    assert [(r["role"], r["person"]) for r in shown.json()["roles"]] == [
        ("commander", "bob"), ("communications", "bob"), ("scribe", None),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "body", "field"),
    [
        ("pilot", {"person": "ann"}, "role"),
        ("commander", {"person": "zed"}, "person"),
        ("commander", {"person": "ann", "backup": "ann"}, "backup"),
        ("commander", {"person": "ann", "extra": 1}, "extra"),
    ],
)
def test_a_bad_assignment_is_a_422_naming_the_field_and_changes_nothing(
    client: TestClient, tokens: dict[str, str], db: Database, incident: int,
    role: str, body: dict[str, object], field: str,
) -> None:  # fmt: skip
    answer = client.put(
        f"/api/v1/incidents/{incident}/roles/{role}", json=body, headers=bearer(tokens["responder"])
    )
    assert answer.status_code == 422, answer.text
    assert field in [f["field"] for f in answer.json()["error"]["fields"]]
    assert entries(db, incident, "role_handover") == []
    assert len(entries(db, incident, "role")) == 1  # the communications default only


def test_viewers_read_roles_but_may_not_assign_and_unknown_incidents_are_404(
    client: TestClient, tokens: dict[str, str], incident: int
) -> None:
    url = f"/api/v1/incidents/{incident}/roles/commander"
    assert (
        client.put(url, json={"person": "ann"}, headers=bearer(tokens["viewer"])).status_code == 403
    )
    assert client.put(url, json={"person": "ann"}).status_code == 401
    assert (
        client.get("/api/v1/incidents/999999/roles", headers=bearer(tokens["viewer"])).status_code
        == 404
    )


def test_the_person_who_acknowledges_first_becomes_commander(
    db: Database, clock: FakeClock, incident: int
) -> None:
    clock.advance(timedelta(minutes=2))
    with db.transaction() as session:
        acknowledge_incident(session, incident, actor="link:ann:email", now=clock.now())
    assert entries(db, incident, "role")[-1] == (
        "role", "system", "Ann Archer is incident commander: acknowledged first",
    )  # fmt: skip


def test_an_upstream_incident_gets_no_default_commander_nor_a_reminder(
    db: Database, clock: FakeClock, incident: int
) -> None:
    with db.transaction() as session:
        from onwatch.incidents.models import Incident

        session.get(Incident, incident).upstream = True
        acknowledge_incident(session, incident, actor="link:ann:email", now=clock.now())
    with db.transaction() as session:
        assert role_reminders.remind_unclaimed(session, clock.now() + timedelta(hours=1)) == 0
    assert [e[2] for e in entries(db, incident, "role")] == [
        "Bob Baker is communications owner (backup Cy Chen) (core's product_manager)"
    ]


def test_an_unclaimed_commander_reminds_the_paged_responders_once_after_15_minutes(
    db: Database, clock: FakeClock, incident: int
) -> None:
    opened = clock.now()
    with db.transaction() as session:
        from onwatch.incidents.escalating import fire_due

        fire_due(session, opened)  # pages ann
        assert role_reminders.next_due(session) == opened + timedelta(minutes=15)
        assert (
            role_reminders.remind_unclaimed(session, opened + timedelta(minutes=15, seconds=-1))
            == 0
        )
    with db.transaction() as session:
        assert role_reminders.remind_unclaimed(session, opened + timedelta(minutes=15)) == 1
    with db.transaction() as session:
        assert role_reminders.remind_unclaimed(session, opened + timedelta(minutes=30)) == 0
        assert role_reminders.next_due(session) is None
    assert notices(db, "reminder") == [
        ("Ann Archer by email", f"Incident #{incident} has no incident commander")
    ]
    assert entries(db, incident, "role_reminder") == [
        (
            "role_reminder",
            "engine",
            "Incident commander still unclaimed after 15 minutes: reminded Ann Archer",
        )
    ]


def test_impact_is_stored_on_the_timeline_and_audited_and_bad_fields_are_422_with_nothing_stored(
    client: TestClient, tokens: dict[str, str], db: Database, incident: int
) -> None:
    url = f"/api/v1/incidents/{incident}/impact"
    for bad, field in (
        ({"users_share": 140}, "users_share"),
        ({"users_count": -1}, "users_count"),
        ({"triage": "catastrophic"}, "triage"),
        ({"next_release_at": "2026-03-10T09:00:00"}, "next_release_at"),
        ({"qa_severity": "x" * 65}, "qa_severity"),
    ):
        answer = client.put(url, json=bad, headers=bearer(tokens["responder"]))
        assert answer.status_code == 422, answer.text
        assert [f["field"] for f in answer.json()["error"]["fields"]] == [field]
    with db.read() as session:
        assert session.get(IncidentImpact, incident) is None
    made = client.put(
        url,
        json={"users_share": 12.5, "qa_severity": "S2", "applications": ["Checkout", "Checkout"],
              "business_impact": "Card payments fail", "runbook_used": True},
        headers=bearer(tokens["responder"]),
    )  # fmt: skip
    assert made.status_code == 200, made.text
    assert (made.json()["users_share"], made.json()["applications"]) == (12.5, ["Checkout"])
    assert entries(db, incident, "impact") == [
        ("impact", "api", "Impact: share of users (%): 12.5; QA severity: S2; applications "
         "impacted: Checkout; business impact: Card payments fail; a runbook was used: yes"),
    ]  # fmt: skip
    same = client.put(url, json={"qa_severity": "S2"}, headers=bearer(tokens["responder"]))
    assert same.status_code == 200
    assert len(entries(db, incident, "impact")) == 1
    assert len(audits(db, "incident.impact")) == 1
    assert (
        client.put(url, json={"qa_severity": "S1"}, headers=bearer(tokens["viewer"])).status_code
        == 403
    )


def test_flagging_security_tells_the_security_contact_once(
    client: TestClient, tokens: dict[str, str], db: Database, incident: int
) -> None:
    url = f"/api/v1/incidents/{incident}/security"
    for flag in (True, False, True):
        answer = client.put(url, json={"security": flag}, headers=bearer(tokens["responder"]))
        assert answer.status_code == 200, answer.text
        assert answer.json()["security"] is flag
    assert notices(db, "notice") == [
        ("Dee Dunn by email", f"Security: incident #{incident} involves security or personal data")
    ]
    assert [e[2] for e in entries(db, incident, "security")] == [
        "Flagged: involves security or personal data", "Security flag removed",
        "Flagged: involves security or personal data",
    ]  # fmt: skip
    assert len(audits(db, "incident.security")) == 3


def test_triage_as_work_stopping_tells_the_tech_lead_and_urgent_contacts(
    client: TestClient, tokens: dict[str, str], db: Database, incident: int
) -> None:
    answer = client.put(
        f"/api/v1/incidents/{incident}/impact", json={"triage": "work_stopping"},
        headers=bearer(tokens["responder"]),
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert [label for label, _ in notices(db, "notice")] == [
        "Ann Archer by email", "Bob Baker by email",
    ]  # fmt: skip


def test_the_engine_reminds_about_an_unclaimed_commander_at_its_due_instant_and_only_once(
    db: Database, clock: FakeClock, incident: int
) -> None:
    from onwatch.engine.assembly import build_engine

    opened = clock.now()
    engine = build_engine(db, clock, handoff_notice=None)
    assert engine.tick(opened).done["role_reminders"] == 0
    assert engine.next_due() == opened + timedelta(minutes=15)  # the engine sleeps until then
    assert engine.tick(opened + timedelta(minutes=15)).done["role_reminders"] == 1
    assert engine.tick(opened + timedelta(minutes=16)).done["role_reminders"] == 0
    # Escalation's second step (cy, 15 minutes on) fires first in the same tick: both paged.
    assert [label for label, _ in notices(db, "reminder")] == [
        "Ann Archer by email", "Cy Chen by email",
    ]  # fmt: skip


def test_with_nobody_paged_and_no_schedule_the_reminder_goes_to_the_teams_tech_lead(
    db: Database, clock: FakeClock, incident: int
) -> None:
    organise(db, clock, "services:\n  - {name: ledger, team: core}\n")
    ledger = fire(db, clock, "ledger", "error", "ledger: totals drift")
    with db.transaction() as session:
        assert role_reminders.remind_unclaimed(session, clock.now() + timedelta(minutes=15)) == 2
    assert entries(db, ledger, "role_reminder") == [
        (
            "role_reminder",
            "engine",
            "Incident commander still unclaimed after 15 minutes: reminded Ann Archer",
        )
    ]
