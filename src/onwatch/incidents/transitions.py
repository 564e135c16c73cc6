"""The lifecycle moves beyond acknowledging and resolving: mitigate, close (once a required
post-mortem is settled), the post-mortem being published or waived, severity, priority, title
and summary changes, and marking an incident a duplicate of another. Each is a timeline entry
with its author, instant and source, and an audit entry; all in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.core.errors import Conflict, FieldError, Invalid
from onwatch.incidents import escalating, lifecycle, requirement
from onwatch.incidents.actions import MAX_NOTE, audit, get, instants, note, resolve
from onwatch.incidents.models import PRIORITIES, SEVERITIES, Incident
from onwatch.incidents.queries import severity_names

EDITABLE = ("severity", "priority", "title", "summary")
MAX_TITLE = 1024
POSTMORTEM_STATES = ("published", "waived")


def mitigate(
    session: Session, incident_id: int, *, actor: str, now: datetime, source: str = "system"
) -> tuple[Incident, bool]:
    """The impact has ended though the cause may remain: a triggered or acknowledged incident
    is mitigated. Nobody is paged for it any more (its escalation stops as on an
    acknowledgement, without the ack timeout). False when it already is; Conflict, with the
    lifecycle's sentence, when it is resolved or closed."""
    incident = get(session, incident_id, for_update=True)
    if incident.status == "mitigated":
        return incident, False
    before = incident.status
    lifecycle.target(incident.status, "mitigate", ever_acknowledged=True, incident_id=incident.id)
    at = lifecycle.instant(now, instants(incident))
    incident.status, incident.mitigated_at = "mitigated", at
    if incident.acknowledged_at is None:  # mitigating takes it in hand: an acknowledgement
        incident.acknowledged_at = at
    note(session, incident, kind="mitigated", text="Mitigated", actor=actor, now=at, source=source)
    escalating.stop(session, incident, now, acknowledged=False, reason="mitigated")
    audit(session, incident, "mitigate", actor, now, {"status": before}, {"status": "mitigated"})
    return incident, True


def close(
    session: Session, incident_id: int, *, actor: str, now: datetime, source: str = "system"
) -> tuple[Incident, bool]:
    """Close a resolved incident. False when it already is closed. Conflict when it is not
    resolved, or while a required post-mortem is neither published nor waived."""
    incident = get(session, incident_id, for_update=True)
    if incident.status == "closed":
        return incident, False
    lifecycle.target(incident.status, "close", ever_acknowledged=True, incident_id=incident.id)
    if needs_postmortem(incident):
        raise Conflict(
            f"incident {incident.id} requires a post-mortem "
            f"({', '.join(incident.postmortem_reasons) or 'a post-mortem rule holds'}), so it "
            "closes only once the post-mortem is published or waived with a reason"
        )
    _close(session, incident, actor=actor, now=now, source=source, text="Closed")
    return incident, True


def needs_postmortem(incident: Incident) -> bool:
    """A rule holds and the post-mortem is neither published nor waived; a duplicate needs
    none (the incident it duplicates has it)."""
    return (
        incident.postmortem_required
        and incident.postmortem_state is None
        and incident.duplicate_of_id is None
    )


def _close(
    session: Session, incident: Incident, *, actor: str, now: datetime, source: str, text: str
) -> None:
    at = lifecycle.instant(now, instants(incident))
    incident.status, incident.closed_at = "closed", at
    note(session, incident, kind="closed", text=text, actor=actor, now=at, source=source)
    audit(session, incident, "close", actor, now, {"status": "resolved"}, {"status": "closed"})


def postmortem_settled(
    session: Session,
    incident: Incident,
    *,
    state: str,
    reason: str | None,
    actor: str,
    source: str,
    now: datetime,
) -> Incident:
    """The incident's post-mortem is published, or waived with a reason: recorded on the
    incident, the timeline and the audit log; a resolved incident then closes. Called by the
    post-mortem domain when a post-mortem is published or a waiver recorded."""
    if state not in POSTMORTEM_STATES:
        raise Invalid(f"must be published or waived (got {state!r})", "state")
    waiver = (reason or "").strip()
    if state == "waived" and not waiver:
        raise Invalid("say why the post-mortem is waived", "reason")
    before = {"postmortem_state": incident.postmortem_state}
    incident.postmortem_state = state
    incident.postmortem_waiver = waiver if state == "waived" else None
    text = "Post-mortem published" if state == "published" else f"Post-mortem waived: {waiver}"
    at = lifecycle.instant(now, instants(incident))
    note(
        session,
        incident,
        kind="postmortem",
        text=text,
        actor=actor,
        now=at,
        source=source,
        data={"state": state, "reason": incident.postmortem_waiver},
    )
    audit(
        session,
        incident,
        "postmortem",
        actor,
        now,
        before,
        {"postmortem_state": state, "postmortem_waiver": incident.postmortem_waiver},
    )
    if incident.status == "resolved":
        _close(
            session,
            incident,
            actor=actor,
            now=now,
            source=source,
            text=f"Closed: the post-mortem is {state}",
        )
    return incident


def waive(
    session: Session,
    incident_id: int,
    reason: str,
    *,
    actor: str,
    now: datetime,
    source: str = "system",
) -> tuple[Incident, bool]:
    """Waive the incident's required post-mortem, saying why: recorded, and a resolved incident
    closes. False when it already is waived. Invalid `reason` when blank; Conflict when no
    post-mortem is required, or it is already published."""
    text = (reason or "").strip()
    problem = _text_problem(text, MAX_NOTE, required=True)
    if problem:
        raise Invalid(problem if text else "say why the post-mortem is waived", "reason")
    incident = get(session, incident_id, for_update=True)
    if incident.postmortem_state == "waived":
        return incident, False
    if incident.postmortem_state == "published":
        raise Conflict(f"the post-mortem of incident {incident.id} is published: nothing to waive")
    if not incident.postmortem_required:
        raise Conflict(f"incident {incident.id} requires no post-mortem: nothing to waive")
    postmortem_settled(
        session, incident, state="waived", reason=text, actor=actor, source=source, now=now
    )
    return incident, True


def change(
    session: Session,
    incident_id: int,
    changes: Mapping[str, str | None],
    *,
    actor: str,
    now: datetime,
    source: str = "system",
) -> tuple[Incident, list[str]]:
    """Change the incident's severity (sev1–sev4), priority (p1–p5 or None), title or summary
    (None or blank clears it). Every bad value is refused at once, naming its field, before
    anything changes. Returns the incident and the fields that changed, each on the timeline."""
    cleaned = _checked(changes)
    incident = get(session, incident_id, for_update=True)
    names = severity_names(session) if "severity" in cleaned else {}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in cleaned.items():
        old = getattr(incident, field)
        if old == value:
            continue
        setattr(incident, field, value)
        before[field], after[field] = old, value
        note(
            session,
            incident,
            kind=field,
            text=_said(field, old, value, names),
            actor=actor,
            now=now,
            source=source,
            data={"before": old, "after": value},
        )
    if after:
        audit(session, incident, "change", actor, now, before, after)
    if "severity" in after:
        requirement.evaluate(session, incident, actor=actor, now=now, source=source)
    return incident, list(after)


def _said(field: str, old: Any, new: Any, names: Mapping[str, str]) -> str:
    if field == "severity":
        return f"Severity changed from {_sev(old, names)} to {_sev(new, names)}"
    if field == "priority":
        return f"Priority changed from {old or 'none'} to {new or 'none'}"
    if field == "title":
        return f"Title changed to: {new}"
    return "Summary cleared" if new is None else f"Summary: {new}"


def _sev(code: str, names: Mapping[str, str]) -> str:
    return f"{code} ({names[code]})" if code in names else code


def _checked(changes: Mapping[str, str | None]) -> dict[str, str | None]:
    errors: list[FieldError] = []
    cleaned: dict[str, str | None] = {}
    for field, value in changes.items():
        if field not in EDITABLE:
            errors.append(FieldError(field, f"cannot be changed here ({', '.join(EDITABLE)} can)"))
        elif field == "severity":
            if value not in SEVERITIES:
                errors.append(FieldError(field, f"must be one of {', '.join(SEVERITIES)}"))
            cleaned[field] = value
        elif field == "priority":
            value = value or None
            if value is not None and value not in PRIORITIES:
                errors.append(FieldError(field, f"must be one of {', '.join(PRIORITIES)}, or none"))
            cleaned[field] = value
        else:
            text = (value or "").strip()
            limit = MAX_TITLE if field == "title" else MAX_NOTE
            problem = _text_problem(text, limit, required=field == "title")
            if problem:
                errors.append(FieldError(field, problem))
            cleaned[field] = text or None
    if errors:
        raise Invalid(errors)
    if not cleaned:
        raise Invalid(f"name something to change: {', '.join(EDITABLE)}", "body")
    return cleaned


def _text_problem(text: str, limit: int, *, required: bool) -> str | None:
    if required and not text:
        return "cannot be empty"
    if len(text) > limit:
        return f"at most {limit} characters (got {len(text)})"
    # PostgreSQL stores neither NUL nor half a surrogate pair: refuse them on both databases.
    if "\x00" in text or any("\ud800" <= c <= "\udfff" for c in text):
        return "holds a NUL character or half a surrogate pair, which is no text"
    return None


def merge(
    session: Session,
    incident_id: int,
    into_id: int,
    *,
    actor: str,
    now: datetime,
    source: str = "system",
) -> tuple[Incident, Incident]:
    """Mark incident `incident_id` a duplicate of `into_id`: it is resolved (if open), and both
    timelines say so. Refused: merging into itself (Invalid `into`), into or from a closed
    incident, into an incident that is itself a duplicate, or one already merged (Conflict).
    Moving the duplicate's open alerts is the alerts layer's (alerts/merging.py)."""
    if incident_id == into_id:
        raise Invalid("an incident cannot be a duplicate of itself", "into")
    # Locked in id order, so two merges of the same pair in opposite directions cannot deadlock.
    first, second = sorted((incident_id, into_id))
    locked = {i: get(session, i, for_update=True) for i in (first, second)}
    duplicate, target = locked[incident_id], locked[into_id]
    if duplicate.duplicate_of_id is not None:
        raise Conflict(
            f"incident {duplicate.id} is already a duplicate of incident "
            f"{duplicate.duplicate_of_id}"
        )
    if target.duplicate_of_id == duplicate.id:
        raise Conflict(
            f"incident {target.id} is a duplicate of incident {duplicate.id}: merging "
            f"{duplicate.id} into it would make a cycle"
        )
    if target.duplicate_of_id is not None:
        raise Conflict(
            f"incident {target.id} is itself a duplicate of incident {target.duplicate_of_id}: "
            f"merge into incident {target.duplicate_of_id} instead"
        )
    for which, incident in (("into", target), ("from", duplicate)):
        if incident.status == "closed":
            raise Conflict(
                f"incident {incident.id} is closed, so nothing merges {which} it; reopen it first"
            )
    duplicate.duplicate_of_id = target.id
    note(
        session,
        duplicate,
        kind="merged",
        text=f"Marked a duplicate of #{target.id} {target.title}",
        actor=actor,
        now=now,
        source=source,
        data={"into": target.id},
    )
    resolve(
        session,
        duplicate,
        actor=actor,
        now=now,
        text=f"Resolved: a duplicate of #{target.id}",
        source=source,
    )
    note(
        session,
        target,
        kind="merged",
        text=f"#{duplicate.id} {duplicate.title} was marked a duplicate of this incident",
        actor=actor,
        now=now,
        source=source,
        data={"duplicate": duplicate.id},
    )
    audit(
        session, duplicate, "merge", actor, now, {"duplicate_of": None}, {"duplicate_of": target.id}
    )
    return duplicate, target
