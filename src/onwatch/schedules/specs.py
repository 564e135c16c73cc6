"""Config specs for schedules (the shapes a YAML config file uses; people are named by handle) and
their translation into the pure dataclasses. Every problem raises Invalid naming its field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from pydantic import (
    AwareDatetime,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from onwatch.calendars.fields import Duration, LocalTime, Spec, Weekdays, invalid_from, zone
from onwatch.calendars.hours import Calendar, Window
from onwatch.calendars.instants import Instant
from onwatch.calendars.specs import HoursSpec, windows_from
from onwatch.core.errors import FieldError, Invalid
from onwatch.core.naming import Slug, TimeZoneName
from onwatch.schedules.layers import Layer
from onwatch.schedules.oncall import Schedule
from onwatch.schedules.overrides import Override
from onwatch.schedules.rotation import MemberChange, Rotation


class MemberChangeSpec(Spec):
    """`{add: eve, effective_at: 2026-03-04T09:00:00-05:00}` or `{remove: bob, effective_at: …}`."""

    effective_at: Instant = Field(description="From when on, with its UTC offset.")
    add: Slug | None = Field(None, description="Handle who joins the end of the order.")
    remove: Slug | None = Field(None, description="Handle who leaves the rotation.")

    @model_validator(mode="after")
    def _one_action(self) -> MemberChangeSpec:
        if (self.add is None) == (self.remove is None):
            raise ValueError("give either add or remove")
        return self


class RestrictionSpec(Spec):
    """Exactly one of `calendar`, `days` or `hours`."""

    calendar: Slug | None = Field(None, description="Only while this calendar is open.")
    days: Weekdays | None = Field(None, description="Only on these whole days: mon-fri.")
    hours: list[HoursSpec] | None = Field(
        None, description="Only in these hours (as in a calendar; default zone: the layer's)."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> RestrictionSpec:
        if sum(x is not None for x in (self.calendar, self.days, self.hours)) != 1:
            raise ValueError("give exactly one of calendar, days or hours")
        return self


class LayerSpec(Spec):
    name: str = Field("", max_length=200, description="Shown in the schedule's timeline.")
    members: list[Slug] = Field(description="Handles, in rotation order.")
    shift_length: Duration = Field(description="One turn: 12h, 1d, 1w, 2w.")
    handoff_time: LocalTime = Field(
        time(9), description='Local wall-clock hand-off time, "HH:MM" in quotes; kept across DST.'
    )
    start_date: date = Field(description="Day of the first hand-off (the first member's turn).")
    time_zone: TimeZoneName | None = Field(None, description="Default: the schedule's zone.")
    roles: list[Slug] = Field(
        default_factory=lambda: ["primary"],
        description="Roles this rotation fills: the n-th is held by the member n turns ahead, "
        "so [primary, secondary] makes each secondary the next primary.",
    )
    restrict_to: RestrictionSpec | None = Field(
        None, description="When the layer puts anyone on call; lower layers fill the rest."
    )
    member_changes: list[MemberChangeSpec] = Field(
        default_factory=list, description="Members added or removed from an instant on."
    )

    @field_validator("members")
    @classmethod
    def _some_members(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("a rotation needs at least one member")
        repeated = sorted({m for m in value if value.count(m) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return value

    @field_validator("shift_length")
    @classmethod
    def _positive(cls, value: Any) -> Any:
        if value.total_seconds() <= 0:
            raise ValueError("must be longer than zero")
        return value

    @field_validator("roles")
    @classmethod
    def _some_roles(cls, value: list[str]) -> list[str]:
        if not value or len(set(value)) != len(value):
            raise ValueError("name one or more different roles, such as [primary, secondary]")
        return value


class OverrideSpec(Spec):
    """`{covering: bob, covered: ann, start_at: …, end_at: …, reason: PTO}`; name a `role` as
    well (or instead of `covered`) to cover only that role. Later entries win over earlier ones."""

    covering: Slug = Field(description="Handle of who takes over.")
    covered: Slug | None = Field(None, description="Handle of who is away.")
    role: Slug | None = Field(None, description="Only this role (alone: whoever holds it).")
    start_at: Instant = Field(description="From, with its UTC offset.")
    end_at: Instant = Field(description="Until (exclusive), with its UTC offset.")
    reason: str = Field("", max_length=500, description="PTO, appointment, no-laptops meeting…")
    created_at: Instant | None = Field(
        None, description="Orders overrides of overrides; default: the order in the file."
    )
    id: str = Field("", max_length=100, description="Stable identity, set by storage.")

    @field_validator("end_at")
    @classmethod
    def _after_start(cls, value: AwareDatetime, info: ValidationInfo) -> AwareDatetime:
        start_at = info.data.get("start_at")
        if start_at is not None and value <= start_at:
            raise ValueError("the override must end after it starts")
        return value

    @model_validator(mode="after")
    def _covers_someone(self) -> OverrideSpec:
        if self.covered is None and self.role is None:
            raise ValueError("name the person covered, the role, or both")
        return self


class ScheduleSpec(Spec):
    """Layers of rotations and overrides; see `layers` for which one wins."""

    name: Slug = Field(description="Short unique schedule name.")
    time_zone: TimeZoneName = Field(description="Default zone of every layer.")
    layers: list[LayerSpec] = Field(
        min_length=1, description="Lowest first: a later layer wins where it has someone."
    )
    overrides: list[OverrideSpec] = Field(default_factory=list, description="Cover, by instant.")
    coverage: Slug | None = Field(
        None,
        description="Calendar of when someone must be on call; gaps outside it are not reported.",
    )
    services: list[Slug] = Field(
        default_factory=list,
        description="Services whose incidents this schedule answers: each incident's page shows "
        "who holds each role now, with how to reach them.",
    )

    @field_validator("services")
    @classmethod
    def _unique_services(cls, value: list[str]) -> list[str]:
        repeated = sorted({s for s in value if value.count(s) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return value


def parse_schedule_spec(data: Mapping[str, Any]) -> ScheduleSpec:
    try:
        return ScheduleSpec.model_validate(data)
    except ValidationError as e:
        raise invalid_from(e) from None


def parse_schedule(
    data: Mapping[str, Any], calendars: Mapping[str, Calendar] | None = None
) -> Schedule:
    """The schedule a config mapping describes, calendars referenced by name; Invalid naming every
    bad field (members are handles: whether each names a person is the directory's to check)."""
    return schedule_from_spec(parse_schedule_spec(data), calendars)


def schedule_from_spec(
    spec: ScheduleSpec, calendars: Mapping[str, Calendar] | None = None
) -> Schedule:
    calendars = calendars or {}
    errors: list[FieldError] = []
    layers = []
    for number, layer_spec in enumerate(spec.layers):
        try:
            layers.append(_layer(layer_spec, spec.time_zone, calendars))
        except Invalid as e:
            errors += _renamed(e.prefixed(f"layers[{number}]"), layer_spec)
    roles = {role for layer_spec in spec.layers for role in layer_spec.roles}
    overrides = []
    for number, o in enumerate(spec.overrides):
        if o.role is not None and o.role not in roles:
            errors.append(FieldError(f"overrides[{number}].role", f"no layer fills {o.role!r}"))
        try:
            overrides.append(Override(**o.model_dump()))
        except Invalid as e:
            errors += e.prefixed(f"overrides[{number}]").errors
    coverage = None
    if spec.coverage is not None:
        coverage = calendars.get(spec.coverage)
        if coverage is None:
            errors.append(FieldError("coverage", f"no calendar named {spec.coverage!r}"))
    if errors:
        raise Invalid(errors)
    return Schedule(spec.name, tuple(layers), tuple(overrides), coverage)


def _layer(spec: LayerSpec, default_zone: str, calendars: Mapping[str, Calendar]) -> Layer:
    time_zone = spec.time_zone or default_zone
    restriction = None
    if spec.restrict_to is not None:
        restriction = _restriction(spec.restrict_to, time_zone, calendars)
    changes = tuple(
        MemberChange(c.effective_at, c.add or c.remove or "", "add" if c.add else "remove")
        for c in spec.member_changes
    )
    rotation = Rotation(
        tuple(spec.members),
        spec.shift_length,
        spec.start_date,
        spec.handoff_time,
        zone(time_zone),
        changes,
    )
    return Layer(rotation, tuple(spec.roles), restriction, spec.name)


def _restriction(
    spec: RestrictionSpec, time_zone: str, calendars: Mapping[str, Calendar]
) -> Calendar:
    if spec.calendar is not None:
        if spec.calendar not in calendars:
            raise Invalid(f"no calendar named {spec.calendar!r}", field="restrict_to.calendar")
        return calendars[spec.calendar]
    if spec.days is not None:
        return Calendar((Window(spec.days, time(0), time(0), zone(time_zone)),))
    return Calendar(windows_from(spec.hours or [], time_zone))


def _renamed(error: Invalid, spec: LayerSpec) -> list[FieldError]:
    """Point a membership-change error at the spec's `add` or `remove` key."""
    found = []
    for problem in error.errors:
        name = problem.field
        for number, change in enumerate(spec.member_changes):
            key = f".member_changes[{number}].handle"
            if name.endswith(key):
                name = name.removesuffix(".handle") + (".add" if change.add else ".remove")
        found.append(FieldError(name, problem.message))
    return found


class NewOverrideSpec(Spec):
    """An override added at run time (API, CLI, UI): `{covering: bob, covered: ann, start_at: …,
    end_at: …, reason: PTO}`, or a `role` instead of (or as well as) `covered`."""

    covering: Slug = Field(description="Handle of who takes over.")
    covered: Slug | None = Field(None, description="Handle of who is away.")
    role: Slug | None = Field(
        None, validate_default=True, description="Only this role (alone: whoever holds it)."
    )
    start_at: Instant = Field(description="From, with its UTC offset.")
    end_at: Instant = Field(description="Until (exclusive), with its UTC offset.")
    reason: str = Field("", max_length=500, description="PTO, appointment, no-laptops meeting…")

    @field_validator("end_at")
    @classmethod
    def _after_start(cls, value: AwareDatetime, info: ValidationInfo) -> AwareDatetime:
        start_at = info.data.get("start_at")
        if start_at is not None and value <= start_at:
            raise ValueError("the override must end after it starts")
        return value

    @field_validator("role")
    @classmethod
    def _covers_someone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("covered") is None:
            raise ValueError("name the person covered, the role, or both")
        return value
