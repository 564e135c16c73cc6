"""What the incident page's roles, impact and responders cards show, read in the page's
transaction (the forms behind them: web/pages/roles.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal
from onwatch.directory.actors import person_of
from onwatch.directory.models import Person
from onwatch.escalation.models import EscalationPolicy
from onwatch.incidents import impact
from onwatch.web.api.roles import impact_of, responders_of, roles_of


def war_room(session: Session, incident_id: int, who: Principal | None) -> dict[str, Any]:
    """What the three cards show: the roles, the requested responders (and the viewer's own
    request, to answer), the impact; the people and policies the forms offer."""
    me = person_of(session, who.actor) if who is not None else None
    asked = responders_of(session, incident_id)
    return {
        "ir_roles": roles_of(session, incident_id),
        "ir_responders": asked,
        "ir_mine": next((r for r in asked if me is not None and r.person == me.handle), None),
        "ir_me": me.handle if me else None,
        "ir_impact": impact_of(session, incident_id),
        "ir_people": list(
            session.execute(select(Person.handle, Person.name).order_by(Person.name))
        ),
        "ir_policies": list(
            session.scalars(select(EscalationPolicy.name).order_by(EscalationPolicy.name))
        ),
        "ir_triages": impact.TRIAGES,
    }
