"""The incident post-mortem tests share: checkout (team platform, lead Lee) had a sev1 that
Ann commanded, acknowledged 7 minutes in and resolved after 1 h 30 min, with impact filled in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.models import Person, Service, Team
from onwatch.incidents import actions
from onwatch.incidents.models import IncidentImpact, IncidentRole


@dataclass(frozen=True)
class Story:
    incident_id: int
    ann_id: int
    lee_id: int


def seed(db: Database, clock: FakeClock, *, resolve: bool = True) -> Story:
    with db.transaction() as session:
        ann = Person(handle="ann", name="Ann Archer", email="ann@example.org")
        lee = Person(handle="lee", name="Lee Lund", email="lee@example.org")
        session.add_all([ann, lee])
        session.flush()
        team = Team(name="platform", tech_lead_id=lee.id)
        session.add(team)
        session.flush()
        service = Service(name="checkout", team_id=team.id)
        session.add(service)
        session.flush()
        opened = clock.now()
        incident = actions.open_incident(
            session, service_id=service.id, title="card payments failing", severity="sev1",
            now=opened, actor="system:intake",
        )  # fmt: skip
        session.add(IncidentRole(incident_id=incident.id, role="commander", person_id=ann.id))
        session.add(
            IncidentImpact(
                incident_id=incident.id, users_share=40.0, applications=["checkout", "kiosk"],
                business_impact="Veterans could not check in",
            )
        )  # fmt: skip
        actions.acknowledge(session, incident, actor="user:ann", now=opened + timedelta(minutes=7))
        if resolve:
            actions.resolve(session, incident, actor="user:ann", now=opened + timedelta(minutes=90))
        return Story(incident.id, ann.id, lee.id)
