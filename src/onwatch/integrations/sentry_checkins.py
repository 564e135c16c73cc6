"""Sentry cron check-ins (`check_in` envelope items) beat onwatch heartbeats: status ok is a
ping of the heartbeat named by monitor_slug, error opens its alert at once, in_progress is only
counted. A slug no heartbeat has is created from the check-in's monitor_config (as Sentry
upserts monitors) for the DSN key's service; without one, or naming another service's
heartbeat, the check-in is counted as for an unknown monitor. Above errors/ and alerts/ both."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts import heartbeats
from onwatch.core.errors import Invalid
from onwatch.directory.models import Service
from onwatch.errors import queries
from onwatch.errors.envelope import Envelope, json_payload
from onwatch.errors.keys import KeyGrant

ACTOR = "integration:sentry"
STATUSES = ("ok", "error", "in_progress")
UNITS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=31),  # the longest month: late, never early
    "year": timedelta(days=366),
}
_FIELD = re.compile(r"(\*|\d+(?:-\d+)?)(?:/(\d+))?")
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


@dataclass(frozen=True)
class CheckIn:
    slug: str
    status: str
    interval: timedelta | None  # from monitor_config's schedule, when usable
    grace: timedelta | None  # from monitor_config's checkin_margin


def read(envelope: Envelope) -> list[CheckIn]:
    """The envelope's check-ins (pure, before the transaction); a check-in without a slug or
    with a status Sentry does not send refuses the envelope, naming the item."""
    found = []
    for index, item in enumerate(envelope.items):
        if item.type != "check_in":
            continue
        where = f"items[{index}] (check_in)"
        payload = json_payload(item.payload, where)
        slug = payload.get("monitor_slug")
        if not isinstance(slug, str) or not slug.strip():
            raise Invalid("a check-in needs a monitor_slug", f"{where}.monitor_slug")
        status = payload.get("status")
        if status not in STATUSES:
            raise Invalid(f"must be one of {', '.join(STATUSES)}", f"{where}.status")
        config = payload.get("monitor_config")
        config = config if isinstance(config, dict) else {}
        margin = config.get("checkin_margin")
        grace = timedelta(minutes=margin) if _is_count(margin, 0) else None
        found.append(CheckIn(slug.strip().lower(), status, schedule_interval(config), grace))
    return found


def keep(session: Session, grant: KeyGrant, checkins: list[CheckIn], now: datetime) -> None:
    """Beat, fail or create the heartbeats the check-ins name (in intake's transaction); those
    of unknown monitors are added to the quantity of the service's `check_in` count."""
    unknown = 0
    for checkin in sorted(checkins, key=lambda c: c.slug):  # one lock order for every request
        row = heartbeats.locked(session, checkin.slug)
        if row is None and checkin.interval is not None:
            row = _created(session, grant.service_id, checkin, now)
        if row is None or row.service_id != grant.service_id:
            unknown += 1
        elif checkin.status == "ok":
            heartbeats.beat(session, row, now)
        elif checkin.status == "error":
            heartbeats.fail(session, row, "failed: its job checked in with status error", now)
    if unknown:
        queries.count_items(session, grant.service_id, {"check_in": (0, unknown)}, now)


def _created(session: Session, service_id: int, checkin: CheckIn, now: datetime) -> Any:
    service = session.scalar(select(Service.name).where(Service.id == service_id))
    grace = {} if checkin.grace is None else {"grace": checkin.grace}
    try:
        spec = heartbeats.HeartbeatSpec(
            name=checkin.slug, service=service, interval=checkin.interval, **grace
        )
    except ValidationError:
        return None  # a slug or schedule no heartbeat can have: an unknown monitor
    heartbeats.put_heartbeat(session, spec, actor=ACTOR, now=now)
    return heartbeats.locked(session, checkin.slug)


# Schedule values and margins past this make no heartbeat (a million years at most).
MAX_COUNT = 10**6


def schedule_interval(config: dict[str, Any]) -> timedelta | None:
    """The longest wait between two runs of monitor_config's schedule: `interval` (value,
    unit) or `crontab` (five numeric fields; the longest gap over four years of dates, so a
    heartbeat never calls a run late that the schedule had not yet due). None if unusable."""
    schedule = config.get("schedule")
    if not isinstance(schedule, dict):
        return None
    value = schedule.get("value")
    if schedule.get("type") == "interval":
        unit = UNITS.get(str(schedule.get("unit")))
        return unit * value if unit is not None and _is_count(value, 1) else None
    if schedule.get("type") == "crontab" and isinstance(value, str):
        return crontab_gap(value)
    return None


def crontab_gap(expression: str) -> timedelta | None:
    fields = expression.split()
    if len(fields) != 5:
        return None
    sets = [_values(text, low, high) for text, (low, high) in zip(fields, _RANGES, strict=True)]
    if any(not values for values in sets):
        return None
    minutes, hours, days, months, weekdays = sets
    weekdays = {day % 7 for day in weekdays}
    times = sorted(h * 60 + m for h in hours for m in minutes)
    day_any, weekday_any = fields[2] == "*", fields[4] == "*"
    start = date(2024, 1, 1)
    matching = []
    for offset in range(4 * 366):
        day = start + timedelta(days=offset)
        on_date, on_weekday = day.day in days, (day.weekday() + 1) % 7 in weekdays
        # Cron: with both day fields restricted, either matching will do.
        hit = on_date or on_weekday if not (day_any or weekday_any) else on_date and on_weekday
        if day.month in months and hit:
            matching.append(offset)
    if len(matching) < 2:
        return None
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    gaps += [
        (b - a) * 1440 + times[0] - times[-1] for a, b in zip(matching, matching[1:], strict=False)
    ]
    return timedelta(minutes=max(gaps))


def _values(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        found = _FIELD.fullmatch(part)
        if found is None:
            return set()
        span, step = found.group(1), int(found.group(2) or 1)
        first, _, last = span.partition("-")
        start, end = (low, high) if span == "*" else (int(first), int(last or first))
        if found.group(2) and span != "*" and not last:
            end = high  # "5/15": from 5 on, every 15
        if step < 1 or not low <= start <= end <= high:
            return set()
        values.update(range(start, end + 1, step))
    return values


def _is_count(value: Any, least: int) -> bool:
    """A whole number a duration can be made of: from `least` up to MAX_COUNT (a larger one,
    as many years or minutes, is past what a timedelta holds, so the config is not usable)."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    return is_int and least <= value <= MAX_COUNT
