"""Upstream outages as responders act on them: mark an incident as an outage of an upstream
service (with the link to where it was reported) and open a maintenance window on that service
whose message users see (evidence bundles: upstream/bundles.py). Each tells the upstream owner
and our product owner (outbox notices by e-mail, deterministic keys), makes the product owner
the incident's `product_owner` role holder (copied on later updates), is on the timeline with
its source and audited. In the caller's transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts import maintenance
from onwatch.alerts.models import MaintenanceWindow
from onwatch.core.errors import Conflict, FieldError, Invalid
from onwatch.core.settings import Settings
from onwatch.directory.models import Person, Service
from onwatch.directory.queries import service_by_name
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import SOURCES, Incident, IncidentRole, TimelineEntry
from onwatch.notifications.outbox import Outgoing, write
from onwatch.upstream import queries
from onwatch.upstream.models import UpstreamOutage, UpstreamWindow

PRODUCT_OWNER = "product_owner"  # the incident role the product owner holds
MAX_URL = 2000


@dataclass(frozen=True)
class Telling:
    """Who is told and how links are written (from Settings: upstream_owner_role,
    product_owner_role, the base URL)."""

    owner_role: str = "support_contact"
    product_owner_role: str = "product_owner"
    base_url: str = ""

    @classmethod
    def of(cls, settings: Settings) -> Telling:
        return cls(
            owner_role=settings.upstream_owner_role,
            product_owner_role=settings.product_owner_role,
            base_url=settings.resolved_base_url(),
        )


def checked_url(url: str, field: str = "url") -> str:
    """An http(s) URL with a host, at most MAX_URL characters; Invalid naming `field`."""
    text = url.strip()
    parts = urlsplit(text)
    if len(text) > MAX_URL:
        raise Invalid(f"at most {MAX_URL} characters (got {len(text)})", field)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid("must be an http:// or https:// address with a host", field)
    if any(c.isspace() or ord(c) < 0x20 for c in text):
        raise Invalid("must not hold spaces or control characters", field)
    return text


def checked_source(source: str) -> str:
    if source not in SOURCES:
        raise Invalid(f"must be one of {', '.join(SOURCES)} (got {source!r})", "source")
    return source


def note_on(
    session: Session,
    incident: Incident,
    *,
    kind: str,
    text: str,
    actor: str,
    now: datetime,
    source: str,
    data: dict[str, Any],
) -> TimelineEntry:
    entry = incidents.note(session, incident, kind=kind, text=text, actor=actor, now=now, data=data)
    entry.source = source
    return entry


def _choose(session: Session, incident: Incident, name: str | None) -> Service:
    """The upstream service asked for (or the one the incident already has)."""
    choices = queries.upstream_choices(session, incident.service_id)
    names = ", ".join(s.name for s in choices) or (
        "none: its service depends on no service that another organisation runs"
    )
    if name is None or not name.strip():
        current = queries.upstream_service(session, incident)
        if current is not None:
            return current
        raise Invalid(f"required: the upstream service (one of: {names})", "service")
    found = service_by_name(session, name.strip())
    if found is None:
        raise Invalid(f"no service {name.strip()!r} (one of: {names})", "service")
    if found.controlled:
        raise Invalid(
            f"{found.name} is one of ours (controlled: true); choose an upstream one "
            f"(one of: {names})",
            "service",
        )
    if found not in choices:
        raise Invalid(
            f"{found.name} is not among what the incident's service depends on (one of: {names})",
            "service",
        )
    return found


def _state(session: Session, incident: Incident) -> dict[str, Any]:
    service = queries.upstream_service(session, incident)
    return {
        "upstream": incident.upstream,
        "upstream_service": service.name if service else None,
        "upstream_url": incident.upstream_url,
    }


def mark(
    session: Session,
    incident_id: int,
    *,
    service: str | None,
    url: str | None,
    actor: str,
    now: datetime,
    source: str,
    telling: Telling,
) -> Incident:
    """Mark the incident as an outage of an upstream service (one its service depends on, or
    its own when we do not control it) and/or set the link to the upstream report. Telling the
    upstream owner and the product owner when the link is new. Nothing changes when nothing
    new is said."""
    source = checked_source(source)
    incident = incidents.get(session, incident_id, for_update=True)
    errors: list[FieldError] = []
    chosen: Service | None = None
    link: str | None = None
    try:
        chosen = _choose(session, incident, service)
    except Invalid as error:
        errors += error.errors
    if url is not None and url.strip():
        try:
            link = checked_url(url)
        except Invalid as error:
            errors += error.errors
    if errors or chosen is None:
        raise Invalid(errors)
    before = _state(session, incident)
    own = session.get(Service, incident.service_id)
    marked = session.get(UpstreamOutage, incident.id)
    if own is not None and chosen.id == own.id:
        if marked is not None:
            session.delete(marked)
    elif marked is None:
        session.add(
            UpstreamOutage(
                incident_id=incident.id, service_id=chosen.id, marked_at=now, marked_by=actor
            )
        )
    else:
        marked.service_id, marked.marked_at, marked.marked_by = chosen.id, now, actor
    incident.upstream = True
    if link is not None:
        incident.upstream_url = link
    session.flush()
    after = _state(session, incident)
    if after == before:
        return incident
    said = f"Upstream outage of {chosen.display_name or chosen.name}"
    if incident.upstream_url:
        said += f"; reported at {incident.upstream_url}"
    note_on(
        session, incident, kind="upstream", text=said, actor=actor, now=now, source=source,
        data=after,
    )  # fmt: skip
    incidents.audit(session, incident, "upstream", actor, now, before, after)
    copy_product_owner(session, incident, telling, actor=actor, now=now, source=source)
    if incident.upstream_url and incident.upstream_url != before["upstream_url"]:
        digest = hashlib.sha256(incident.upstream_url.encode()).hexdigest()[:16]
        tell(
            session, incident, chosen, telling, now=now, key=f"marked:{digest}",
            title=f"Upstream outage: {chosen.display_name or chosen.name}",
            lines=[
                f"Incident #{incident.id} ({incident.title}) is an outage of "
                f"{chosen.display_name or chosen.name}.",
                f"Reported upstream at: {incident.upstream_url}",
            ],
        )  # fmt: skip
    return incident


def require_upstream(session: Session, incident: Incident) -> Service:
    found = queries.upstream_service(session, incident)
    if found is None:
        raise Conflict(
            f"incident {incident.id} is not an upstream outage: mark it upstream first "
            "(which upstream service, and the link to the upstream report)"
        )
    return found


def open_maintenance(
    session: Session,
    incident_id: int,
    *,
    message: str,
    ends_at: datetime | None,
    duration: timedelta | None,
    actor: str,
    now: datetime,
    source: str,
    telling: Telling,
) -> MaintenanceWindow:
    """Open a maintenance window on the incident's upstream service from now, with a message
    for users (the public maintenance endpoint and status page show it); linked on the
    timeline, and the upstream owner and product owner are told."""
    source = checked_source(source)
    incident = incidents.get(session, incident_id, for_update=True)
    incidents.require_open(incident)
    upstream = require_upstream(session, incident)
    try:
        request = maintenance.MaintenanceRequest(
            service=upstream.name,
            ends_at=ends_at,
            duration=duration,
            message=message.strip(),
        )
    except ValidationError as error:
        raise Invalid([FieldError(str(e["loc"][-1]), e["msg"]) for e in error.errors()]) from None
    window = maintenance.create_window(session, request, actor=actor, now=now)
    session.add(UpstreamWindow(incident_id=incident.id, window_id=window.id))
    data = {
        "window_id": window.id,
        "service": upstream.name,
        "starts_at": window.starts_at.isoformat(),
        "ends_at": window.ends_at.isoformat(),
        "message": window.message,
    }
    note_on(
        session, incident, kind="maintenance", actor=actor, now=now, source=source, data=data,
        text=f"Maintenance window {window.id} on {upstream.name} until "
        f"{window.ends_at:%Y-%m-%d %H:%M} UTC; users see: {window.message}",
    )  # fmt: skip
    incidents.audit(session, incident, "maintenance", actor, now, None, data)
    copy_product_owner(session, incident, telling, actor=actor, now=now, source=source)
    tell(
        session, incident, upstream, telling, now=now, key=f"maintenance:{window.id}",
        title=f"Maintenance window on {upstream.display_name or upstream.name}",
        lines=[
            f"A maintenance window on {upstream.display_name or upstream.name} runs from "
            f"{window.starts_at:%Y-%m-%d %H:%M} to {window.ends_at:%Y-%m-%d %H:%M} UTC "
            f"(incident #{incident.id}: {incident.title}).",
            f"Users see: {window.message}",
            *([f"Reported upstream at: {incident.upstream_url}"] if incident.upstream_url else []),
        ],
    )  # fmt: skip
    return window


def copy_product_owner(
    session: Session,
    incident: Incident,
    telling: Telling,
    *,
    actor: str,
    now: datetime,
    source: str,
) -> None:
    """The product owner holds the incident role `product_owner` unless someone does already:
    the stakeholder updates go to every role holder, so they are copied on them."""
    owners = queries.product_owners(session, incident, telling.product_owner_role)
    if not owners:
        return
    held = session.scalar(
        select(IncidentRole).where(
            IncidentRole.incident_id == incident.id, IncidentRole.role == PRODUCT_OWNER
        )
    )
    if held is not None and held.person_id is not None:
        return
    owner = owners[0]
    if held is None:
        session.add(
            IncidentRole(
                incident_id=incident.id, role=PRODUCT_OWNER, person_id=owner.id,
                assigned_at=now, assigned_by=actor,
            )
        )  # fmt: skip
    else:
        held.person_id, held.assigned_at, held.assigned_by = owner.id, now, actor
    data = {"role": PRODUCT_OWNER, "person": owner.handle}
    note_on(
        session, incident, kind="role", actor=actor, now=now, source=source, data=data,
        text=f"{owner.name} ({telling.product_owner_role}) holds the role {PRODUCT_OWNER}: "
        "copied on later updates",
    )  # fmt: skip
    incidents.audit(session, incident, "role", actor, now, None, data)


def told(
    session: Session, incident: Incident, upstream: Service, telling: Telling
) -> list[tuple[Person, str]]:
    """Who is told about the outage, each once: the upstream owner, then our product owners."""
    found: list[tuple[Person, str]] = []
    owner = queries.upstream_owner(session, upstream, telling.owner_role)
    if owner is not None:
        found.append((owner, f"owner of {upstream.name}"))
    for person in queries.product_owners(session, incident, telling.product_owner_role):
        if all(person.id != p.id for p, _ in found):
            found.append((person, "product owner"))
    return found


def tell(
    session: Session,
    incident: Incident,
    upstream: Service,
    telling: Telling,
    *,
    now: datetime,
    key: str,
    title: str,
    lines: list[str],
    attachments: list[dict[str, str]] | None = None,
) -> int:
    """One notice e-mail per person told (the upstream owner and our product owners), keyed
    `upstream:<incident>:<cause>:<person>` so a cause recorded twice sends once."""
    rows = [
        Outgoing(
            key=f"upstream:{incident.id}:{key}:{person.id}",
            kind="notice",
            urgency="low",
            due_at=now,
            destination={"kind": "email", "address": person.email},
            label=f"{person.name} by email: {title} ({why})",
            incident_id=incident.id,
            person_id=person.id,
            payload={
                "title": title,
                "text": "\n".join([*lines, f"You are told as the {why}."]),
                **({"attachments": attachments} if attachments else {}),
            },
        )
        for person, why in told(session, incident, upstream, telling)
    ]
    return write(session, rows, now)
