"""A small organisation for the incident-roles tests: people ann, bob, cy and dee; team core
(tech lead ann, product manager bob with backup cy); service checkout of core, paged by policy
core-paging (ann, then cy); a security contact (dee) and urgent contacts (the product manager);
communications going to the product manager, and the commander reminded after 15 minutes."""

from __future__ import annotations

from onwatch.config.apply import apply
from onwatch.config.document import load
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database

ORG = """\
people:
  - {handle: ann, name: Ann Archer, email: ann@example.org}
  - {handle: bob, name: Bob Baker, email: bob@example.org}
  - {handle: cy, name: Cy Chen, email: cy@example.org}
  - {handle: dee, name: Dee Dunn, email: dee@example.org}
teams:
  - name: core
    members: [ann, bob, cy]
    tech_lead: ann
    roles:
      product_manager: {person: bob, backup: cy}
services:
  - {name: checkout, team: core, escalation_policy: core-paging}
  - {name: card-gateway, controlled: false}
escalation_policies:
  - name: core-paging
    steps:
      - {targets: [{person: ann}], delay: 15m}
      - {targets: [{person: cy}], delay: 15m}
incident_roles:
  - {name: commander, remind_after: 15m}
  - {name: communications, team_role: product_manager}
  - {name: scribe, display_name: Scribe, instructions: Keep the timeline.}
security_contacts:
  - {name: security, targets: [{person: dee}]}
urgent_contacts:
  - {name: core-leads, teams: [core], targets: [{team: core, role: product_manager}]}
"""


def organise(db: Database, clock: FakeClock, text: str = ORG) -> None:
    with db.transaction() as session:
        apply(session, load(text), prune=False, actor="test", now=clock.now())
