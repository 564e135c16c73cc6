"""Declaring an incident by hand (UI, API, CLI) or from a report form: the checks, the
Idempotency-Key replay, and the opening itself, which pages the service's on-call through its
escalation policy. In the caller's transaction; nothing is written when a check fails."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onwatch.core.errors import FieldError, Invalid
from onwatch.directory.models import Service
from onwatch.incidents import actions
from onwatch.incidents.models import PRIORITIES, SEVERITIES, SOURCES, Incident, TimelineEntry

MAX_TITLE = 1024  # the column's
MAX_SUMMARY = 10_000
MAX_KEY = 255  # Stripe's limit for an Idempotency-Key, and the column's
KEY_FIELD = "Idempotency-Key"
DEFAULT_SEVERITY = "sev3"
# How the timeline names where a declaration came from.
WHERE = {"ui": "web UI", "api": "API", "cli": "command line", "report": "report form"}


@dataclass(frozen=True)
class Declaration:
    """What a declaration asks for, checked and normalised (trimmed, lower-case codes)."""

    service: str
    title: str
    severity: str
    priority: str | None
    summary: str | None

    def digest(self) -> str:
        """The SHA-256 of the declaration: a replay of a key must carry the same one."""
        canonical = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Declared:
    incident: Incident
    created: bool  # False: an Idempotency-Key replay, which opened and paged nothing


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text on both databases, or None."""
    # PostgreSQL stores neither NUL nor half a surrogate pair: refuse them on both databases.
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        return "holds a NUL character or half a surrogate pair, which is no text"
    return None


def checked_text(
    value: str | None, field: str, limit: int, *, required: bool, errors: list[FieldError]
) -> str | None:
    """`value` trimmed, or None when empty and optional; each problem appended to `errors`."""
    written = (value or "").strip()
    if not written:
        if required:
            errors.append(FieldError(field, "is required: write something"))
        return None
    if len(written) > limit:
        errors.append(FieldError(field, f"at most {limit} characters (got {len(written)})"))
        return None
    problem = text_problem(written)
    if problem:
        errors.append(FieldError(field, problem))
        return None
    return written


def _code(value: str | None, field: str, known: tuple[str, ...], errors: list[FieldError]):
    code = (value or "").strip().lower()
    if code not in known:
        errors.append(FieldError(field, f"must be one of {', '.join(known)}"))
        return None
    return code


def check(
    session: Session,
    *,
    service: str,
    title: str,
    severity: str | None,
    priority: str | None,
    summary: str | None,
) -> tuple[Declaration, Service]:
    """The declaration and its service; Invalid naming every field at fault."""
    errors: list[FieldError] = []
    name = checked_text(service, "service", 64, required=True, errors=errors)
    found = None
    if name is not None:
        found = session.scalar(select(Service).where(Service.name == name))
        if found is None:
            errors.append(FieldError("service", f"there is no service {name!r}"))
    written_title = checked_text(title, "title", MAX_TITLE, required=True, errors=errors)
    code = _code(severity or DEFAULT_SEVERITY, "severity", SEVERITIES, errors)
    rank = _code(priority, "priority", PRIORITIES, errors) if priority else None
    written_summary = checked_text(summary, "summary", MAX_SUMMARY, required=False, errors=errors)
    if errors or found is None or written_title is None or code is None:
        raise Invalid(errors)
    return Declaration(found.name, written_title, code, rank, written_summary), found


def checked_key(key: str) -> str:
    """An Idempotency-Key as a client sends it (a UUID, say): 1 to 255 visible ASCII
    characters."""
    if not key or len(key) > MAX_KEY or not all("!" <= c <= "~" for c in key):
        raise Invalid(
            f"must be 1 to {MAX_KEY} visible ASCII characters without spaces (a UUID, say)",
            KEY_FIELD,
        )
    return key


def by_key(session: Session, key: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.declare_key == key))


def declare(
    session: Session,
    *,
    service: str,
    title: str,
    severity: str | None = DEFAULT_SEVERITY,
    priority: str | None = None,
    summary: str | None = None,
    actor: str,
    source: str,
    now: datetime,
    key: str | None = None,
    opened_text: str | None = None,
) -> Declared:
    """Open an incident by hand on `service`: its on-call is paged through the service's
    escalation policy (escalating.start). The timeline's first entry names who declared it
    (`actor`) and from where (`source`); audited as `incident.declare`.

    With an Idempotency-Key, the same key with the same declaration returns the incident it
    opened first, paging nobody again; the same key with a different declaration is Invalid
    (422, as the IETF's Idempotency-Key draft says: the request is well-formed but cannot be
    processed with that key). The key is unique in the schema, so two requests racing with one
    key open one incident: the loser's insert fails and it replays the winner's."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    declaration, found = check(
        session,
        service=service,
        title=title,
        severity=severity,
        priority=priority,
        summary=summary,
    )
    if key is None:
        return Declared(_open(session, declaration, found, actor, source, now, opened_text), True)
    key = checked_key(key)
    existing = by_key(session, key)
    if existing is not None:
        return _replay(existing, declaration)
    try:
        # A savepoint: a concurrent request that stored the key first makes this insert fail,
        # and everything it wrote (the incident, its escalation, its pages) goes with it.
        with session.begin_nested():
            incident = _open(session, declaration, found, actor, source, now, opened_text)
            incident.declare_key, incident.declare_digest = key, declaration.digest()
            session.flush()
    except IntegrityError:
        existing = by_key(session, key)
        if existing is None:
            raise
        return _replay(existing, declaration)
    return Declared(incident, True)


def _replay(existing: Incident, declaration: Declaration) -> Declared:
    if existing.declare_digest != declaration.digest():
        raise Invalid(
            f"was already used to declare incident {existing.id} with a different body; a "
            "key declares once: send the same body again to get that incident, or a new key "
            "for a new incident",
            KEY_FIELD,
        )
    return Declared(existing, False)


def _open(
    session: Session,
    declaration: Declaration,
    service: Service,
    actor: str,
    source: str,
    now: datetime,
    opened_text: str | None,
) -> Incident:
    # A person declared it and a person resolves it: no alert will resolve it by itself.
    incident = actions.open_incident(
        session,
        service_id=service.id,
        title=declaration.title,
        severity=declaration.severity,
        now=now,
        actor=actor,
        auto_resolve=False,
    )
    incident.priority, incident.summary = declaration.priority, declaration.summary
    session.flush()
    opened = session.scalar(
        select(TimelineEntry).where(
            TimelineEntry.incident_id == incident.id, TimelineEntry.kind == "opened"
        )
    )
    if opened is not None:
        opened.source = source
        opened.text = opened_text or (
            f"Declared from the {WHERE.get(source, source)}: {declaration.title}"
        )
        opened.data = {**opened.data, "declared": True, "priority": declaration.priority}
    after: dict[str, Any] = {**asdict(declaration), "source": source}
    actions.audit(session, incident, "declare", actor, now, None, after)
    return incident
