"""A team's stakeholder settings (the config section `stakeholders:`) and the pure decisions
they drive: when the commander is next reminded to send an update, and the first update's
deadline for a critical incident with its reminder."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from onwatch.core.durations import Duration
from onwatch.core.errors import Invalid
from onwatch.core.naming import Email, Slug
from onwatch.stakeholders import composer

Severity = Literal["sev1", "sev2", "sev3", "sev4"]
DEFAULT_UPDATE_EVERY: dict[str, timedelta] = {
    "sev1": timedelta(minutes=30),
    "sev2": timedelta(minutes=60),
}
DEFAULT_CRITICAL = ("sev1",)
DEFAULT_WITHIN = timedelta(hours=24)
DEFAULT_REMIND_BEFORE = timedelta(hours=2)
MAX_ADDRESSES = 500
# The longest a first update may be given: resolved incidents are watched for a breach that long.
MAX_WITHIN = timedelta(days=7)


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TemplatesSpec(Spec):
    subject: str | None = Field(None, description="Jinja2: one line (it is the subject).")
    text: str | None = Field(None, description="Jinja2: the plain-text body.")
    html: str | None = Field(None, description="Jinja2: the HTML body (autoescaped).")

    def templates(self) -> composer.Templates:
        return composer.Templates(self.subject, self.text, self.html)


class FirstUpdateSpec(Spec):
    severities: list[Severity] = Field(
        default_factory=lambda: list(DEFAULT_CRITICAL),
        description="The severities whose first stakeholder e-mail has a deadline (critical).",
    )
    within: Duration = Field(DEFAULT_WITHIN, description="How long after the incident opens.")
    remind_before: Duration = Field(
        DEFAULT_REMIND_BEFORE,
        description="How long before the deadline the communications owner is reminded.",
    )

    @model_validator(mode="after")
    def _remind_inside(self) -> FirstUpdateSpec:
        if self.remind_before >= self.within:
            raise ValueError("remind_before must be shorter than within")
        if self.within > MAX_WITHIN:
            raise ValueError("within is at most 7d")
        return self


def _addresses(values: list[str]) -> list[str]:
    lowered = [v.lower() for v in values]
    if len(set(lowered)) != len(lowered):
        raise ValueError("an address is listed twice")
    if len(lowered) > MAX_ADDRESSES:
        raise ValueError(f"at most {MAX_ADDRESSES} addresses")
    return lowered


class StakeholdersSpec(Spec):
    """One team's stakeholder communication."""

    team: Slug = Field(description="The team (declared in `teams`).")
    subscribers: list[Email] = Field(
        default_factory=list,
        description="Who gets the updates and release announcements of every service of the team.",
    )
    services: dict[Slug, list[Email]] = Field(
        default_factory=dict,
        description="Further subscribers of one service: {service: [addresses]}.",
    )
    update_every: dict[Severity, Duration] | None = Field(
        None,
        description="How often the commander is reminded to send an update, by severity "
        "(default sev1 30m, sev2 1h; a severity not listed is not reminded).",
    )
    first_update: FirstUpdateSpec = Field(
        default_factory=FirstUpdateSpec,
        description="The first stakeholder e-mail's deadline for critical incidents.",
    )
    templates: TemplatesSpec | None = Field(
        None, description="The team's update templates (default: the outage e-mail)."
    )
    announcement_templates: TemplatesSpec | None = Field(
        None, description="The team's release announcement templates."
    )

    @field_validator("subscribers")
    @classmethod
    def _team_list(cls, value: list[str]) -> list[str]:
        return _addresses(value)

    @field_validator("services")
    @classmethod
    def _service_lists(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {name: _addresses(addresses) for name, addresses in value.items()}

    @field_validator("update_every")
    @classmethod
    def _positive(cls, value: dict[str, timedelta] | None) -> dict[str, timedelta] | None:
        if value and any(d < timedelta(minutes=1) for d in value.values()):
            raise ValueError("an interval must be at least 1m")
        return value

    @model_validator(mode="after")
    def _templates_compile(self) -> StakeholdersSpec:
        for name, spec, announcement in (
            ("templates", self.templates, False),
            ("announcement_templates", self.announcement_templates, True),
        ):
            if spec is None:
                continue
            try:
                composer.check_templates(spec.templates(), announcement=announcement)
            except Invalid as error:
                raise ValueError(f"{name}.{error.message}") from None
        return self


@dataclass(frozen=True)
class Settings:
    """What the decisions need of a team's spec (or the defaults)."""

    update_every: dict[str, timedelta]
    critical: tuple[str, ...]
    within: timedelta
    remind_before: timedelta
    templates: composer.Templates
    announcement_templates: composer.Templates


DEFAULTS = Settings(
    dict(DEFAULT_UPDATE_EVERY),
    DEFAULT_CRITICAL,
    DEFAULT_WITHIN,
    DEFAULT_REMIND_BEFORE,
    composer.Templates(),
    composer.Templates(),
)

# A team with no `stakeholders:` entry has nobody to write to: its commanders are not reminded
# and its critical incidents have no first-update deadline (a reminder nobody can act on is
# noise at 3 a.m.); an update sent by hand still uses the default templates.
UNCONFIGURED = replace(DEFAULTS, update_every={}, critical=())


def settings_of(spec: StakeholdersSpec | None) -> Settings:
    if spec is None:
        return UNCONFIGURED
    return Settings(
        dict(DEFAULT_UPDATE_EVERY if spec.update_every is None else spec.update_every),
        tuple(spec.first_update.severities),
        spec.first_update.within,
        spec.first_update.remind_before,
        spec.templates.templates() if spec.templates else composer.Templates(),
        spec.announcement_templates.templates()
        if spec.announcement_templates
        else composer.Templates(),
    )


def next_reminder_at(
    settings: Settings,
    severity: str,
    *,
    opened_at: datetime,
    last_update_at: datetime | None,
    reminded_at: datetime | None,
    snoozed_until: datetime | None,
) -> datetime | None:
    """When the commander of an open incident is next reminded to send an update: one interval
    of its severity after the latest of its opening, its last update and the last reminder;
    not before a snooze ends. None when its severity is not reminded."""
    every = settings.update_every.get(severity)
    if every is None:
        return None
    since = max(t for t in (opened_at, last_update_at, reminded_at) if t is not None)
    due = since + every
    if snoozed_until is not None and snoozed_until > due:
        return snoozed_until
    return due


@dataclass(frozen=True)
class Deadline:
    due_at: datetime  # the first update is due by then
    remind_at: datetime  # the communications owner is reminded then


def first_update_deadline(
    settings: Settings, severity: str, opened_at: datetime
) -> Deadline | None:
    """The first stakeholder e-mail's deadline, for a critical incident; None otherwise."""
    if severity not in settings.critical:
        return None
    due = opened_at + settings.within
    return Deadline(due, due - settings.remind_before)


@dataclass(frozen=True)
class Due:
    """What is due for one incident at `now`, and when it next has something due."""

    remind_commander: bool
    remind_owner: bool
    breach: bool
    next_at: datetime | None


def what_is_due(
    settings: Settings,
    *,
    severity: str,
    is_open: bool,
    opened_at: datetime,
    last_update_at: datetime | None,
    reminded_at: datetime | None,
    snoozed_until: datetime | None,
    deadline_reminded_at: datetime | None,
    breached_at: datetime | None,
    now: datetime,
) -> Due:
    """The commander is reminded while the incident is open (next_reminder_at); a critical
    incident without any update has its communications owner reminded once at the deadline's
    reminder time, and its breach recorded once at the deadline."""
    candidates: list[datetime] = []
    remind = False
    if is_open:
        due = next_reminder_at(
            settings, severity, opened_at=opened_at, last_update_at=last_update_at,
            reminded_at=reminded_at, snoozed_until=snoozed_until,
        )  # fmt: skip
        if due is not None:
            remind = due <= now
            # Once reminded now, the next one is an interval on.
            every = settings.update_every[severity]
            candidates.append(now + every if remind else due)
    deadline = first_update_deadline(settings, severity, opened_at)
    owner = breach = False
    if deadline is not None and last_update_at is None and breached_at is None:
        breach = deadline.due_at <= now
        owner = not breach and deadline_reminded_at is None and deadline.remind_at <= now
        if not breach:
            candidates.append(deadline.due_at)
            if deadline_reminded_at is None and not owner:
                candidates.append(deadline.remind_at)
    return Due(remind, owner, breach, min(candidates) if candidates else None)
