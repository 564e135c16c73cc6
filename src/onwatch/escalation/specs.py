"""The declared shape of escalation policies: ordered steps, each with targets and a delay
(a duration or `ack_deadline`), round robin as an option, the whole policy repeated N times, and
an optional ack timeout. What the config file, the API and `export` share."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, model_validator

from onwatch.calendars.fields import Duration, Spec, duration_text, parse_duration
from onwatch.core.naming import Slug

ACK_DEADLINE = "ack_deadline"
TECH_LEAD = "tech_lead"
MAX_REPEAT = 9


def parse_delay(value: Any) -> timedelta | str:
    """`ack_deadline`, or a duration that is zero or more ("5m", "1h")."""
    if value == ACK_DEADLINE:
        return ACK_DEADLINE
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"a delay cannot be negative (got {value})")
        raise ValueError('write a delay with its unit, such as "5m", or ack_deadline')
    if isinstance(value, str) and value.strip().startswith("-"):
        raise ValueError(f"a delay cannot be negative (got {value!r})")
    if isinstance(value, timedelta) and value < timedelta():
        raise ValueError("a delay cannot be negative")
    try:
        return parse_duration(value)
    except ValueError as error:
        raise ValueError(f"{error}, or ack_deadline") from None


def delay_text(value: timedelta | str) -> str:
    return value if isinstance(value, str) else duration_text(value)


Delay = Annotated[
    timedelta | str, BeforeValidator(parse_delay), PlainSerializer(delay_text, return_type=str)
]


class TargetSpec(Spec):
    """Exactly one of: a schedule's role, a person, a team's tech lead or named role, a channel."""

    schedule: Slug | None = Field(None, description="A schedule; `role` names which of its roles.")
    person: Slug | None = Field(None, description="A person's handle.")
    team: Slug | None = Field(
        None,
        description="A team; `role` is tech_lead or one of its named roles (its backup "
        "is paged when the role is empty).",
    )
    channel: Slug | None = Field(None, description="A channel from `channels`.")
    role: Slug | None = Field(None, description="The schedule's or team's role: primary, …")

    @model_validator(mode="after")
    def _one_kind(self) -> TargetSpec:
        kinds = [k for k in ("schedule", "person", "team", "channel") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError(
                "name exactly one of schedule (with role), person, team (with role) or channel"
                + (f"; got {', '.join(kinds)}" if kinds else "")
            )
        if kinds[0] in ("schedule", "team") and not self.role:
            which = "primary or secondary" if kinds[0] == "schedule" else "tech_lead or a role"
            raise ValueError(f"a {kinds[0]} target needs a role ({which})")
        if kinds[0] in ("person", "channel") and self.role:
            raise ValueError(f"a {kinds[0]} target takes no role")
        return self

    @property
    def kind(self) -> Literal["schedule", "person", "team", "channel"]:
        for kind in ("schedule", "person", "team", "channel"):
            if getattr(self, kind):
                return kind  # type: ignore[return-value]
        raise AssertionError("checked by the validator")

    @property
    def name(self) -> str:
        return str(getattr(self, self.kind))

    def text(self) -> str:
        """How a page names the target: "schedule platform/primary", "person ann"…"""
        if self.kind in ("schedule", "team"):
            return f"{self.kind} {self.name}/{self.role}"
        return f"{self.kind} {self.name}"


class StepSpec(Spec):
    targets: list[TargetSpec] = Field(min_length=1, description="Who the step pages.")
    delay: Delay = Field(
        description="How long to wait for an acknowledgement before the next step: a duration "
        "such as 5m, or ack_deadline (the deadline the service's calendar gives when the "
        "step fires; when it lapses an SLA breach is recorded)."
    )
    round_robin: bool = Field(
        False,
        description="true pages one of the step's people at a time, taking turns across "
        "incidents; false pages them all.",
    )


class PolicySpec(Spec):
    name: Slug = Field(description="Short unique policy name; services name it.")
    description: str | None = Field(None, max_length=2000, description="What it is for.")
    steps: list[StepSpec] = Field(min_length=1, max_length=20, description="In order.")
    repeat: int = Field(
        0,
        ge=0,
        le=MAX_REPEAT,
        description="How many more times the whole policy runs after its last step while the "
        "incident is not acknowledged.",
    )
    ack_timeout: Duration | None = Field(
        None,
        description="An acknowledged incident still open this long after the acknowledgement "
        "returns to triggered and escalates again from the first step.",
    )

    @model_validator(mode="after")
    def _positive_timeout(self) -> PolicySpec:
        if self.ack_timeout is not None and self.ack_timeout <= timedelta():
            raise ValueError("ack_timeout must be longer than zero")
        return self
