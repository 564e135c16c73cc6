"""The `report_forms:` config section: a team's public form for reporting an incident, open or
protected by a token. The token is a reference (env:NAME, file:/path) read once, at apply; only
its SHA-256 is stored (the token is high-entropy, so a fast hash is the right one, as for API
tokens), with the reference, which `export` writes back."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.core import secrets
from onwatch.core.changes import Change, Outcome, deleted, diff
from onwatch.core.errors import FieldError, Invalid, NotFound
from onwatch.core.naming import Slug
from onwatch.core.tokens import hash_secret
from onwatch.directory.models import Service, Team
from onwatch.incidents.models import ReportForm

# Stored instead of a hash when the token could not be read at apply: no token hashes to it,
# so the form refuses every report until `apply` runs where the token can be read.
LOCKED = "locked"
MIN_TOKEN = 20  # characters: a token a person could guess is no protection


class ReportFormSpec(BaseModel):
    """A team's form for partner teams and support to report an incident at /report/NAME."""

    model_config = ConfigDict(extra="forbid")

    name: Slug = Field(description="Short unique name: the form is at /report/NAME.")
    team: Slug = Field(description="The team that owns the form (and hears the reports).")
    title: str | None = Field(
        None, max_length=200, description="The form's heading, e.g. `Report a Relay incident`."
    )
    token: str | None = Field(
        None,
        description="Absent: anyone with the address may report. A reference (env:NAME or "
        f"file:/path) to a token of at least {MIN_TOKEN} characters: the link given out is "
        "/report/NAME?token=TOKEN, and a report without it is refused (403).",
    )
    services: list[Slug] = Field(
        min_length=1, description="The services a reporter chooses among (each pages its on-call)."
    )
    default_severity: Literal["sev1", "sev2", "sev3", "sev4"] = Field(
        "sev3", description="The severity of the incidents reports open."
    )
    per_hour: int = Field(30, ge=1, le=10_000, description="Reports the form takes an hour.")
    per_address: int = Field(
        5, ge=1, le=10_000, description="Reports one client address may send an hour."
    )

    @field_validator("token")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        if value is not None:
            secrets.parse(value, "REPORT_FORM_TOKEN")
        return value


def form_spec(form: ReportForm, team: str) -> ReportFormSpec:
    return ReportFormSpec(
        name=form.name,
        team=team,
        title=form.title,
        token=form.token_ref,
        services=list(form.services),
        default_severity=form.default_severity,  # type: ignore[arg-type]
        per_hour=form.per_hour,
        per_address=form.per_address,
    )


def report_form_specs(session: Session) -> list[ReportFormSpec]:
    rows = session.execute(
        select(ReportForm, Team.name)
        .join(Team, Team.id == ReportForm.team_id)
        .order_by(ReportForm.name)
    ).all()
    return [form_spec(form, team) for form, team in rows]


def token_hash(reference: str | None) -> str | None:
    """None for an open form; the SHA-256 of the token, or LOCKED when it cannot be read now.
    Invalid when the token is too short to protect anything."""
    if reference is None:
        return None
    try:
        token = secrets.resolve(reference)
    except (secrets.SecretUnavailable, ValueError):
        return LOCKED
    if len(token) < MIN_TOKEN or len(token.split()) != 1:
        raise Invalid(
            f"the value of {reference} must be one word of at least {MIN_TOKEN} characters "
            "(make one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)",
            "token",
        )
    return hash_secret(token)


def put_report_forms(
    session: Session, specs: list[ReportFormSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    teams = dict(session.execute(select(Team.name, Team.id)).all())
    services = set(session.scalars(select(Service.name)))
    outcomes: list[Outcome] = []
    for spec in specs:
        try:
            outcomes.append(_put(session, spec, teams, services, actor=actor, now=now))
        except Invalid as error:
            outcomes.append(error)
    return outcomes


def _put(
    session: Session,
    spec: ReportFormSpec,
    teams: dict[str, int],
    services: set[str],
    *,
    actor: str,
    now: datetime,
) -> Change | None:
    errors = [] if spec.team in teams else [FieldError("team", f"no team {spec.team!r}")]
    errors += [
        FieldError(f"services[{i}]", f"no service {name!r}")
        for i, name in enumerate(spec.services)
        if name not in services
    ]
    if errors:
        raise Invalid(errors)
    digest = token_hash(spec.token)
    form = session.scalar(select(ReportForm).where(ReportForm.name == spec.name))
    before: dict[str, Any] | None = None
    if form is not None:
        before = form_spec(form, _team_name(teams, form.team_id)).model_dump(mode="json")
    after = spec.model_dump(mode="json")
    change = diff("report form", spec.name, before, after)
    if change is None and form is not None and form.token_hash != digest:
        # The same reference now reads another token (rotated): say so, never show either.
        change = Change("update", "report form", spec.name, before, after, {"token": _rotated()})
    if change is None:
        return None
    if form is None:
        form = ReportForm(name=spec.name)
        session.add(form)
    form.team_id = teams[spec.team]
    form.title = spec.title
    form.token_ref, form.token_hash = spec.token, digest
    form.services = list(spec.services)
    form.default_severity = spec.default_severity
    form.per_hour, form.per_address = spec.per_hour, spec.per_address
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def _rotated() -> tuple[str, str]:
    return ("(a token)", "(another token)")


def _team_name(teams: dict[str, int], team_id: int) -> str:
    return next((name for name, found in teams.items() if found == team_id), "")


def delete_report_form(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    """Delete the form: its address stops taking reports; incidents it opened stay."""
    row = session.execute(
        select(ReportForm, Team.name)
        .join(Team, Team.id == ReportForm.team_id)
        .where(ReportForm.name == name)
    ).first()
    if row is None:
        raise NotFound(f"no report form {name!r}")
    form, team = row
    change = deleted("report form", name, form_spec(form, team).model_dump(mode="json"))
    session.delete(form)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def warnings(session: Session, specs: list[ReportFormSpec], _now: datetime) -> list[str]:
    """A protected form whose token `apply` could not read (it refuses every report until
    then), and a service that pages nobody (no escalation policy)."""
    found = []
    policies = dict(session.execute(select(Service.name, Service.escalation_policy)).all())
    for spec in specs:
        if spec.token is not None:
            why = secrets.unavailable(spec.token)
            if why:
                found.append(
                    f"report form {spec.name}: token: {why}; the form refuses every report "
                    "until `onwatch apply` runs where the token can be read"
                )
        for name in spec.services:
            if name in policies and policies[name] is None:
                found.append(
                    f"report form {spec.name}: service {name} has no escalation policy, so a "
                    "report about it opens an incident that pages nobody"
                )
    return found
