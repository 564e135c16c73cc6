"""How publishing a post-mortem settles the incident's post-mortem requirement: one small
function, so the lifecycle's `incidents.actions.postmortem_settled` (which also closes a
resolved incident) can take its place in one line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from onwatch.incidents.actions import note
from onwatch.incidents.models import Incident


def settle_published(
    session: Session, incident: Incident, *, actor: str, source: str, now: datetime
) -> None:
    """Record that the incident's post-mortem is published, on the incident and its timeline.
    To be replaced by: postmortem_settled(session, incident, state="published", reason=None,
    actor=actor, source=source, now=now)."""
    incident.postmortem_state = "published"
    entry = note(
        session, incident, kind="postmortem", text="Post-mortem published", actor=actor, now=now
    )
    entry.source = source
