"""Silences: created from label matchers and a span of time, expired by hand or by their end.
A silenced alert is stored but opens no incident; alerts.release opens it when the silence ends."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.alerts.matchers import Matcher, matchers_from_specs
from onwatch.alerts.models import Alert, Silence
from onwatch.alerts.sli import Duration
from onwatch.alerts.windows import Span, State, ended_early, span_from, state_at
from onwatch.audit.actions import record
from onwatch.calendars.instants import Instant
from onwatch.core.errors import Conflict, FieldError, Invalid, NotFound

MAX_MATCHERS = 50
EXPIRED_SHOWN = 50


class SilenceRequest(BaseModel):
    """What a person asks for: matchers in Alertmanager syntax (`app="reader"`, `env=~"prod|
    staging"`, `severity!="critical"`) or as objects, and when: `ends_at` or `duration`."""

    model_config = ConfigDict(extra="forbid")

    matchers: list[str | dict[str, Any]] = Field(
        description='Label matchers, all of which must match: `app="reader"`, `env=~"prod.*"`, '
        '`team!="web"`, `path!~"/health.*"`; `service` is the service\'s name.'
    )
    starts_at: Instant | None = Field(None, description="Default: now.")
    ends_at: Instant | None = Field(None, description="When it ends (or give duration).")
    duration: Duration | None = Field(None, description="How long: 30m, 2h, 1d.")
    reason: str = Field(min_length=1, max_length=2000, description="Why, for whoever reads it.")


def checked_matchers(specs: list[str | dict[str, Any]]) -> list[Matcher]:
    """The matchers of a request, or Invalid naming each bad one as `matchers[i]`. An empty list,
    or one that every alert matches (`app=~".*"`), would silence everything and is refused."""
    if not specs:
        raise Invalid('at least one matcher is needed, for example app="reader"', "matchers")
    if len(specs) > MAX_MATCHERS:
        raise Invalid(f"at most {MAX_MATCHERS} matchers", "matchers")
    parsed = matchers_from_specs(specs, "matchers")
    if all(matcher.matches({}) for matcher in parsed):
        raise Invalid(
            "these match every alert (each matches an empty label); at least one matcher must "
            'name something, for example app="reader"',
            "matchers",
        )
    return parsed


def create_silence(
    session: Session, request: SilenceRequest, *, actor: str, now: datetime
) -> Silence:
    errors: list[FieldError] = []
    matchers: list[Matcher] = []
    span: Span | None = None
    try:
        matchers = checked_matchers(request.matchers)
    except Invalid as error:
        errors += error.errors
    try:
        span = span_from(request.starts_at, request.ends_at, request.duration, now)
    except Invalid as error:
        errors += error.errors
    if errors or span is None:
        raise Invalid(errors)
    silence = Silence(
        matchers={"matchers": [str(m) for m in matchers]},
        starts_at=span.starts_at,
        ends_at=span.ends_at,
        author=actor,
        reason=request.reason.strip(),
        created_at=now,
    )
    session.add(silence)
    session.flush()
    record(
        session,
        actor=actor,
        action="silence.create",
        entity_type="silence",
        entity_key=str(silence.id),
        at=now,
        after=snapshot(silence),
    )
    return silence


def expire_silence(session: Session, silence_id: int, *, actor: str, now: datetime) -> Silence:
    """End the silence now (a pending one never starts). The alerts it held open incidents at
    the engine's next tick if they still fire and nothing else holds them."""
    silence = get_silence(session, silence_id)
    if state_at(silence.starts_at, silence.ends_at, now) == "expired":
        raise Conflict(f"silence {silence_id} has already ended")
    before = snapshot(silence)
    cut = ended_early(Span(silence.starts_at, silence.ends_at), now)
    silence.starts_at, silence.ends_at = cut.starts_at, cut.ends_at
    record(
        session,
        actor=actor,
        action="silence.expire",
        entity_type="silence",
        entity_key=str(silence.id),
        at=now,
        before=before,
        after=snapshot(silence),
    )
    return silence


def get_silence(session: Session, silence_id: int) -> Silence:
    silence = session.get(Silence, silence_id)
    if silence is None:
        raise NotFound(f"no silence {silence_id}")
    return silence


def list_silences(
    session: Session, now: datetime, states: Collection[State] = ("active", "pending")
) -> list[Silence]:
    """Active ones ending soonest first, then pending ones starting soonest, then (if asked)
    the most recently ended ones, at most EXPIRED_SHOWN of them."""
    found: list[Silence] = []
    if "active" in states:
        found += session.scalars(
            select(Silence)
            .where(Silence.starts_at <= now, Silence.ends_at > now)
            .order_by(Silence.ends_at, Silence.id)
        )
    if "pending" in states:
        found += session.scalars(
            select(Silence).where(Silence.starts_at > now).order_by(Silence.starts_at, Silence.id)
        )
    if "expired" in states:
        found += session.scalars(
            select(Silence)
            .where(Silence.ends_at <= now)
            .order_by(Silence.ends_at.desc(), Silence.id.desc())
            .limit(EXPIRED_SHOWN)
        )
    return found


def held_counts(session: Session, prefix: str, ids: Collection[int]) -> dict[int, int]:
    """How many open alerts each of these silences (prefix "silence") or maintenance windows
    (prefix "maintenance") holds back right now."""
    if not ids:
        return {}
    keys = {f"{prefix}:{i}": i for i in ids}
    rows = session.execute(
        select(Alert.held_by, func.count())
        .where(Alert.held_by.in_(list(keys)), Alert.status != "resolved")
        .group_by(Alert.held_by)
    )
    return {keys[held_by]: count for held_by, count in rows if held_by is not None}


def snapshot(silence: Silence) -> dict[str, Any]:
    return {
        "matchers": list(silence.matchers.get("matchers", [])),
        "starts_at": silence.starts_at.isoformat(),
        "ends_at": silence.ends_at.isoformat(),
        "author": silence.author,
        "reason": silence.reason,
    }
