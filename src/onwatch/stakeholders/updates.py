"""Sending a status update about an incident: the team's template filled with the incident's
facts, stored as a StatusUpdate, and one outbox row of kind `update` per recipient (the
service's and its team's subscribers, and every role holder of the incident), all in the
caller's transaction. The first update's e-mail is the root of the thread every later one
replies to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from onwatch.core.errors import Conflict, Invalid
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import Incident, IncidentImpact
from onwatch.notifications.outbox import Outgoing, write
from onwatch.stakeholders import composer, queries, reminders, unsubscribe
from onwatch.stakeholders.models import StatusUpdate

MAX_STATUS = 5_000
MAX_SUMMARY = 2_000


@dataclass(frozen=True)
class Mailing:
    """What the e-mails link to: onwatch's public address and the key unsubscribe links are
    signed with (core/signing.py), both read by the adapter."""

    base_url: str
    key: bytes


def thread_key(incident_id: int) -> str:
    return f"stakeholders-incident-{incident_id}"


def postmortem_url(base_url: str, incident_id: int) -> str:
    return f"{base_url.rstrip('/')}/incidents/{incident_id}/postmortem"


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str | None:
    written = (value or "").strip()
    if not written:
        if required:
            raise Invalid("write the current status: it cannot be empty", field)
        return None
    if len(written) > limit:
        raise Invalid(f"at most {limit} characters (got {len(written)})", field)
    if "\x00" in written or any("\ud800" <= c <= "\udfff" for c in written):
        raise Invalid("holds a NUL character or half a surrogate pair, which is no text", field)
    return written


def facts(
    session: Session, incident: Incident, status: str, now: datetime, base_url: str
) -> composer.UpdateFacts:
    """The facts of an update to `incident` with status text `status`, written at `now`."""
    service = queries.service_facts(session, incident.service_id)
    impact = session.get(IncidentImpact, incident.id)
    zone = service.zone
    done = incident.resolved_at if incident.status in ("resolved", "closed") else None
    pm_url = postmortem_url(base_url, incident.id) if done else None
    return composer.UpdateFacts(
        incident_id=incident.id,
        title=incident.title,
        severity=incident.severity,
        application=service.display_name,
        applications=tuple(impact.applications)
        if impact and impact.applications
        else (service.display_name,),
        business_impact=(impact.business_impact if impact else None) or composer.NOT_STATED,
        summary=incident.summary or incident.title,
        date=composer.local_date(incident.opened_at, zone),
        start=composer.local_time(incident.opened_at, zone),
        end=composer.local_time(done, zone) if done else composer.ONGOING,
        status=status,
        status_at=composer.local_time(now, zone),
        resolution=f"Resolved at {composer.local_time(done, zone)}." if done else composer.ONGOING,
        postmortem_url=pm_url,
        incident_url=f"{base_url.rstrip('/')}/incidents/{incident.id}",
    )


def preview(
    session: Session, incident_id: int, status: str, *, now: datetime, base_url: str
) -> composer.Composed:
    """The e-mail an update with this status would send now; nothing is written."""
    incident = incidents.get(session, incident_id)
    written = _text(status, "status", MAX_STATUS, required=False) or "(the current status)"
    service = queries.service_facts(session, incident.service_id)
    settings = queries.team_settings(session, service.team_id)
    return composer.compose(
        settings.templates,
        composer.UPDATE_DEFAULTS,
        facts(session, incident, written, now, base_url),
    )


def recipients(session: Session, incident: Incident) -> tuple[list[str], list[str]]:
    """(subscribers, role holders' addresses not already subscribed), lower case."""
    service = queries.service_facts(session, incident.service_id)
    subscribed = queries.subscribers_of(session, service)
    holders = [
        h.email.lower()
        for h in queries.role_holders(session, incident.id)
        if h.email and h.email.lower() not in subscribed
    ]
    return subscribed, list(dict.fromkeys(holders))


def send_update(
    session: Session,
    incident_id: int,
    status: str,
    *,
    summary: str | None = None,
    actor: str,
    source: str,
    now: datetime,
    mailing: Mailing,
) -> StatusUpdate:
    """Send a status update: Conflict for a closed incident, Invalid (status, summary) for bad
    text, before anything is written. A summary given replaces the incident's."""
    incident = incidents.get(session, incident_id, for_update=True)
    if incident.status == "closed":
        raise Conflict(
            f"incident {incident.id} is closed: reopen it to send stakeholders an update"
        )
    written = _text(status, "status", MAX_STATUS, required=True) or ""
    new_summary = _text(summary, "summary", MAX_SUMMARY, required=False)
    if new_summary is not None and new_summary != incident.summary:
        before = incident.summary
        incident.summary = new_summary
        incidents.audit(
            session, incident, "summary", actor, now, {"summary": before}, {"summary": new_summary}
        )
    service = queries.service_facts(session, incident.service_id)
    settings = queries.team_settings(session, service.team_id)
    composed = composer.compose(
        settings.templates,
        composer.UPDATE_DEFAULTS,
        facts(session, incident, written, now, mailing.base_url),
    )
    first = queries.update_count(session, incident.id) == 0
    subscribed, holders = recipients(session, incident)
    update = StatusUpdate(
        incident_id=incident.id,
        status_text=written,
        author=actor,
        at=now,
        subject=composed.subject,
        text_body=composed.text,
        html_body=composed.html,
        recipients=[*subscribed, *holders],
    )
    session.add(update)
    session.flush()
    write(
        session,
        [
            _outgoing(update, composed, address, mailing, subscribed=True, first=first, now=now)
            for address in subscribed
        ]
        + [
            _outgoing(update, composed, address, mailing, subscribed=False, first=first, now=now)
            for address in holders
        ],
        now,
    )
    reminders.look_again(session, incident.id, now)
    count = len(update.recipients)
    incidents.note(
        session,
        incident,
        kind="status_update",
        text=f"Stakeholder update sent to {count} recipient{'s' if count != 1 else ''}: {written}",
        actor=actor,
        now=now,
        data={"update": update.id, "subject": composed.subject, "recipients": count},
    ).source = source
    incidents.audit(
        session,
        incident,
        "status_update",
        actor,
        now,
        None,
        {"update": update.id, "subject": composed.subject, "recipients": update.recipients},
    )
    return update


def _outgoing(
    update: StatusUpdate,
    composed: composer.Composed,
    address: str,
    mailing: Mailing,
    *,
    subscribed: bool,
    first: bool,
    now: datetime,
) -> Outgoing:
    """One recipient's e-mail. Subscribers get the one-click unsubscribe headers and a line
    saying how to leave the list; role holders are told why they get it."""
    if subscribed:
        text, html, headers = for_subscriber(composed, address, mailing)
    else:
        text, html, headers = (
            composed.text + "\nYou get this because you hold a role on the incident.\n",
            composed.html,
            {},
        )
    return Outgoing(
        key=f"stakeholders:update:{update.id}:{address}",
        kind="update",
        urgency="low",
        due_at=now,
        destination={"kind": "email", "address": address},
        label=f"{address} by email: stakeholder update",
        incident_id=update.incident_id,
        payload={
            "title": composed.subject,
            "text": text,
            "html": html,
            "headers": headers,
            "thread_key": thread_key(update.incident_id),
            "thread_root": first,
        },
    )


def for_subscriber(
    composed: composer.Composed, address: str, mailing: Mailing
) -> tuple[str, str, dict[str, str]]:
    """(text, html, headers) of a subscriber's copy: the one-click unsubscribe headers (RFC
    8058), and a line saying how to leave the list."""
    link = unsubscribe.url(mailing.base_url, address, mailing.key)
    note = "You get this as a stakeholder."
    return (
        composed.text + f"\n{note} Unsubscribe: {link}\n",
        composed.html.replace(
            "</body>",
            f'<p style="color:#666666;font-size:12px">{note} <a href="{link}">Unsubscribe</a>'
            "</p></body>",
        ),
        unsubscribe.headers(mailing.base_url, address, mailing.key),
    )
