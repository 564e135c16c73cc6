"""The declared shape of people, teams and services: what the config file, the API and the
UI forms all validate against, and what `export` writes back."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, WithJsonSchema, field_validator

from onwatch.core.durations import Duration
from onwatch.core.naming import Email, Slug, TimeZoneName


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


ContactKind = Literal["email", "sms", "phone", "slack", "teams", "webhook", "ntfy", "apprise"]
# Read from "5m" and written back as "5m": one schema for both, so that the API describes one
# PersonSpec rather than an input and an output version of it.
RuleDelay = Annotated[
    Duration,
    WithJsonSchema({"type": "string", "examples": ["0m", "5m", "1h"], "title": "Duration"}),
]
# The longest a rule may wait after the page: a rule that waits a day is a reminder, not a page.
MAX_RULE_DELAY = timedelta(hours=24)


class ContactMethodSpec(Spec):
    type: ContactKind = Field(description="How to reach the person.")
    address: str = Field(
        min_length=1,
        max_length=500,
        description="E-mail address, phone number, Slack member id, ntfy topic URL, or the "
        "reference (env:NAME, file:/path) of a Slack, Teams, webhook or Apprise URL.",
    )
    label: str | None = Field(None, max_length=100, description="For example 'work phone'.")
    url: str | None = Field(
        None,
        max_length=500,
        description="sms and phone only: the reference of an Apprise URL that reaches this "
        "number (twilio://…, in env:NAME or file:/path); without it the number is shown, "
        "never paged.",
    )
    secret: str | None = Field(
        None, max_length=500, description="webhook only: the whsec_ secret's reference."
    )
    token: str | None = Field(
        None, max_length=500, description="ntfy only: an access token's reference (optional)."
    )


class NotificationRuleSpec(Spec):
    contact: str | int = Field(
        description="Which contact method: `email` (the person's e-mail address), a contact "
        "method's label, or its number in `contact_methods` (from 1)."
    )
    after: RuleDelay = Field(
        timedelta(0),
        description="How long after the page to send it: 0m, 5m, 1h.",
        json_schema_extra={"default": "0m"},
    )

    @field_validator("contact", mode="before")
    @classmethod
    def _number_as_number(cls, contact: object) -> object:
        # "2" and 2 are the same rule, so that export writes back what apply compares.
        if isinstance(contact, str) and contact.isdigit():
            return int(contact)
        return contact

    @field_validator("after")
    @classmethod
    def _within_a_day(cls, after: timedelta) -> timedelta:
        if after < timedelta(0) or after > MAX_RULE_DELAY:
            raise ValueError("must be between 0m and 24h")
        return after


class NotificationRulesSpec(Spec):
    high: list[NotificationRuleSpec] = Field(
        default_factory=list, description="High urgency: pages, in any order of delays."
    )
    low: list[NotificationRuleSpec] = Field(
        default_factory=list, description="Low urgency: notices that never escalate."
    )


class PersonSpec(Spec):
    handle: Slug = Field(description="Short unique name, lowercase: `ann`.")
    name: str = Field(min_length=1, max_length=200, description="Full name.")
    email: Email = Field(max_length=320, description="Where e-mail notifications go.")
    time_zone: TimeZoneName = Field("UTC", description="IANA zone, for example America/New_York.")
    contact_methods: list[ContactMethodSpec] = Field(
        default_factory=list, description="Ways to reach the person, in order of preference."
    )
    notification_rules: NotificationRulesSpec = Field(
        default_factory=NotificationRulesSpec,
        description="How a page reaches the person, per urgency: each rule a contact method "
        "and a delay. With no rules, a page is one e-mail at once.",
    )


class TeamRoleSpec(Spec):
    person: Slug = Field(description="Handle of the person holding the role.")
    backup: Slug | None = Field(None, description="Handle of who stands in when they are away.")


class TeamSpec(Spec):
    name: Slug = Field(description="Short unique team name.")
    display_name: str | None = Field(None, max_length=200, description="Name shown in the UI.")
    members: list[Slug] = Field(default_factory=list, description="Handles, in order.")
    tech_lead: Slug | None = Field(None, description="Handle of the tech lead.")
    roles: dict[Slug, TeamRoleSpec] = Field(
        default_factory=dict,
        description="Named roles such as product_owner or engineering_lead, each with a backup.",
    )

    @field_validator("members")
    @classmethod
    def _unique_members(cls, members: list[str]) -> list[str]:
        duplicates = sorted({m for m in members if members.count(m) > 1})
        if duplicates:
            raise ValueError(f"listed twice: {', '.join(duplicates)}")
        return members


class RunbookSpec(Spec):
    title: str = Field(min_length=1, max_length=200, description="What the runbook is for.")
    url: HttpUrl = Field(max_length=2000, description="Where it is (http or https).")

    def dump(self) -> dict[str, str]:
        return {"title": self.title, "url": str(self.url)}


class ServiceSpec(Spec):
    name: Slug = Field(description="Short unique service name.")
    display_name: str | None = Field(None, max_length=200, description="Name shown in the UI.")
    description: str | None = Field(None, max_length=2000, description="What it does.")
    team: Slug | None = Field(None, description="Name of the owner team.")
    tech_lead: Slug | None = Field(
        None, description="Handle of the tech lead; defaults to the owner team's tech lead."
    )
    controlled: bool = Field(
        True, description="true for a service we run; false for an upstream dependency."
    )
    public: bool = Field(
        False,
        description="true to show it on the public status page and `/api/v1/status` (its "
        "acknowledged incidents and its maintenance); false keeps it internal.",
    )
    depends_on: list[Slug] = Field(default_factory=list, description="Services this one needs.")
    escalation_policy: Slug | None = Field(
        None,
        description="Name of the escalation policy that pages people about its incidents "
        "(`escalation_policies`); none: nobody is paged.",
    )
    urgency: Literal["high", "low", "severity", "calendar"] = Field(
        "high",
        description="high pages and escalates; low notifies the first step's people through "
        "their low-urgency rules and never escalates; severity: sev1 and sev2 high, sev3 and "
        "sev4 low; calendar: high while `calendar` is open, low outside it.",
    )
    calendar: Slug | None = Field(
        None,
        description="The calendar whose hours and acknowledgement deadlines apply to its "
        "incidents; defaults to the coverage calendar of the schedule answering it.",
    )
    runbooks: list[RunbookSpec] = Field(
        default_factory=list, description="Links to the plays for its recurring incidents."
    )
