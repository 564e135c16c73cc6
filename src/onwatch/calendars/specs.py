"""Config specs for calendars and acknowledgement deadlines (the shapes a YAML config file uses),
and their translation into the pure dataclasses. Every problem raises Invalid naming its field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from onwatch.calendars.deadlines import AckRules
from onwatch.calendars.fields import Duration, LocalTime, Spec, Weekdays, invalid_from, zone
from onwatch.calendars.hours import (
    Calendar,
    HolidaySet,
    Window,
    is_holiday_country,
    is_holiday_subdivision,
)
from onwatch.core.naming import Slug, TimeZoneName


class HoursSpec(Spec):
    """`{days: mon-fri, opens: "07:00", closes: "20:00"}`."""

    days: Weekdays = Field(description="Days it opens on: mon-fri, [sat, sun], weekdays, daily.")
    opens: LocalTime = Field(time(0), description='Opening time, "HH:MM" in quotes.')
    closes: LocalTime = Field(
        time(0),
        description='Closing time: the next one after opening, so "22:00"-"06:00" is a night '
        'and "24:00" the end of the day.',
    )
    time_zone: TimeZoneName | None = Field(
        None, description="Zone of the opening time (and the days); default: the calendar's."
    )
    closes_time_zone: TimeZoneName | None = Field(
        None,
        description="Zone of the closing time when it differs: 9 am New York to 5 pm Los Angeles.",
    )


class HolidaysSpec(Spec):
    country: str = Field("US", description="ISO 3166 country code: US, GB, DE, …")
    subdivision: str | None = Field(None, description="State or region code: CA, SCT, BY, …")

    @field_validator("country", mode="before")
    @classmethod
    def _known_country(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip().upper()
        if (info.context or {}).get("stored"):
            return value  # checked when it was stored; the check would load the holidays library
        if not is_holiday_country(value):
            raise ValueError(
                f"unknown holiday country {value!r} (use an ISO 3166 code such as US or GB)"
            )
        return value

    @field_validator("subdivision")
    @classmethod
    def _known_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is None or country is None or (info.context or {}).get("stored"):
            return value
        if not is_holiday_subdivision(country, value):
            raise ValueError(f"{country} has no subdivision {value!r}")
        return value


class AckRulesSpec(Spec):
    """`{inside_hours: 15m, outside_hours: 60m}`: the acknowledgement deadline by calendar state."""

    inside_hours: Duration = Field(description="Deadline for what arrives while it is open.")
    outside_hours: Duration = Field(description="Deadline for what arrives while it is closed.")

    @field_validator("inside_hours", "outside_hours")
    @classmethod
    def _positive(cls, value: Any) -> Any:
        if value.total_seconds() <= 0:
            raise ValueError("must be longer than zero")
        return value


class CalendarSpec(Spec):
    """Business hours by weekday, a holiday set and extra dates."""

    name: Slug = Field(description="Short unique calendar name.")
    time_zone: TimeZoneName = Field(description="IANA zone of the hours, e.g. America/New_York.")
    hours: list[HoursSpec] = Field(default_factory=list, description="When it is open.")
    holidays: HolidaysSpec | None = Field(
        default_factory=HolidaysSpec,
        description="Public holidays, closed all day: US federal by default; `null` for none, "
        "or a country code, or {country, subdivision}.",
    )
    closed_dates: list[date] = Field(
        default_factory=list, description="More days closed all day (YYYY-MM-DD)."
    )
    open_dates: list[date] = Field(
        default_factory=list,
        description="Days open despite a holiday or closed date; a weekend day given here runs "
        "the hours of the nearest earlier weekday that has some.",
    )
    ack_deadlines: AckRulesSpec | None = Field(
        None,
        description="How long someone has to acknowledge a page by when it arrives: "
        "`{inside_hours: 15m, outside_hours: 60m}`.",
    )

    @field_validator("holidays", mode="before")
    @classmethod
    def _country_shorthand(cls, value: Any) -> Any:
        return {"country": value} if isinstance(value, str) else value


def windows_from(hours: list[HoursSpec], time_zone: str) -> tuple[Window, ...]:
    """Windows for `hours`, each defaulting to `time_zone` where it names none."""
    windows = []
    for spec in hours:
        opens_zone = zone(spec.time_zone or time_zone)
        closes_zone = zone(spec.closes_time_zone) if spec.closes_time_zone else None
        windows.append(Window(spec.days, spec.opens, spec.closes, opens_zone, closes_zone))
    return tuple(windows)


def calendar_from_spec(
    spec: CalendarSpec, known: Mapping[int, Mapping[date, str]] | None = None
) -> Calendar:
    """The pure calendar; `known` are its holidays as stored by year (HolidaySet.known)."""
    holidays = None
    if spec.holidays is not None:
        holidays = HolidaySet(spec.holidays.country, spec.holidays.subdivision, known or {})
    return Calendar(
        windows=windows_from(spec.hours, spec.time_zone),
        holidays=holidays,
        closed_dates=frozenset(spec.closed_dates),
        open_dates=frozenset(spec.open_dates),
    )


def parse_calendar_spec(data: Mapping[str, Any]) -> CalendarSpec:
    try:
        return CalendarSpec.model_validate(data)
    except ValidationError as e:
        raise invalid_from(e) from None


def parse_calendar(data: Mapping[str, Any]) -> Calendar:
    """The calendar a config mapping describes; Invalid naming every bad field."""
    return calendar_from_spec(parse_calendar_spec(data))


def ack_rules_from_spec(spec: AckRulesSpec) -> AckRules:
    return AckRules(spec.inside_hours, spec.outside_hours)


def parse_ack_rules(data: Mapping[str, Any]) -> AckRules:
    try:
        return ack_rules_from_spec(AckRulesSpec.model_validate(data))
    except ValidationError as e:
        raise invalid_from(e) from None
