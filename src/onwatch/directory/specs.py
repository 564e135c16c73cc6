"""The declared shape of people, teams and services: what the config file, the API and the
UI forms all validate against, and what `export` writes back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from onwatch.core.naming import Email, Slug, TimeZoneName


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


ContactKind = Literal["email", "sms", "phone", "slack", "teams", "webhook"]


class ContactMethodSpec(Spec):
    type: ContactKind = Field(description="How to reach the person.")
    address: str = Field(
        min_length=1,
        max_length=500,
        description="E-mail address, phone number, Slack member id or URL.",
    )
    label: str | None = Field(None, max_length=100, description="For example 'work phone'.")


class PersonSpec(Spec):
    handle: Slug = Field(description="Short unique name, lowercase: `ann`.")
    name: str = Field(min_length=1, max_length=200, description="Full name.")
    email: Email = Field(max_length=320, description="Where e-mail notifications go.")
    time_zone: TimeZoneName = Field("UTC", description="IANA zone, for example America/New_York.")
    contact_methods: list[ContactMethodSpec] = Field(
        default_factory=list, description="Ways to reach the person, in order of preference."
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
