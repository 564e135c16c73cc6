"""Who is on call: a schedule's layers and overrides resolved into the holder of a role at an
instant, the shifts that tile a range (gaps included, holder None), and the hand-offs between."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from onwatch.calendars.hours import Calendar, open_intervals
from onwatch.core.clock import ensure_utc
from onwatch.core.errors import FieldError, Invalid
from onwatch.schedules.layers import Layer, layer_holder, layer_segments
from onwatch.schedules.overrides import (
    Override,
    OverrideIndex,
    active_overrides,
    index_overrides,
    overridden,
)

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Schedule:
    """Layers listed lowest first: where two have someone, the later one in the list wins.
    `coverage`, when set, is when the schedule is meant to have someone; gaps outside it are by
    design and `gaps` does not report them."""

    name: str
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()
    coverage: Calendar | None = None
    _index: OverrideIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "overrides", tuple(self.overrides))
        errors = []
        if not self.name:
            errors.append(FieldError("name", "a schedule needs a name"))
        if not self.layers:
            errors.append(FieldError("layers", "a schedule needs at least one layer"))
        roles = self.roles
        for number, override in enumerate(self.overrides):
            if override.role is not None and override.role not in roles:
                errors.append(
                    FieldError(
                        f"overrides[{number}].role", f"the schedule has no role {override.role!r}"
                    )
                )
        if errors:
            raise Invalid(errors)
        object.__setattr__(self, "_index", index_overrides(self.overrides))

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role some layer fills, in the order layers first name them."""
        return tuple(dict.fromkeys(role for layer in self.layers for role in layer.roles))

    @property
    def people(self) -> frozenset[str]:
        """Every handle the schedule mentions, for checking that each names a person."""
        found = set().union(*(layer.rotation.people for layer in self.layers))
        for override in self.overrides:
            found |= {override.covering} | ({override.covered} if override.covered else set())
        return frozenset(found)


class Shift(NamedTuple):
    """`holder` has `role` over [start_at, end_at); None is a gap. `override` is the override
    that put the holder there, if one did. (A named tuple: a year of them is built per query.)"""

    role: str
    holder: str | None
    start_at: datetime
    end_at: datetime
    override: Override | None = None


@dataclass(frozen=True)
class HandOff:
    """At `at`, `role` passes from `outgoing` to `incoming` (either may be None: a gap)."""

    schedule: str
    role: str
    at: datetime
    outgoing: str | None
    incoming: str | None


def who_is_on_call(schedule: Schedule, role: str, at: datetime) -> str | None:
    """The holder of `role` at `at`, overrides applied; None when nobody is (a gap)."""
    return _holder_at(schedule, _known_role(schedule, role), ensure_utc(at))[0]


def on_call(schedule: Schedule, at: datetime) -> dict[str, str | None]:
    """Every role of the schedule with its holder at `at`."""
    at = ensure_utc(at)
    return {role: _holder_at(schedule, role, at)[0] for role in schedule.roles}


def resolved_shifts(
    schedule: Schedule, role: str, start_at: datetime, end_at: datetime
) -> list[Shift]:
    """The shifts of `role` that tile [start_at, end_at) exactly: sorted, no overlap, no hole,
    neighbours differing in holder or override; time without anyone is a shift with holder None."""
    role = _known_role(schedule, role)
    start_at, end_at = ensure_utc(start_at), ensure_utc(end_at)
    if end_at <= start_at:
        raise Invalid("the range must end after it starts", field="end_at")
    top_first = [
        layer_segments(layer, role, start_at, end_at)
        for layer in reversed(schedule.layers)
        if role in layer.roles
    ]
    points = {start_at, end_at}
    for segments in top_first:
        for segment in segments:
            points.add(segment.start_at)
            points.add(segment.end_at)
    bounds, active = schedule._index.bounds, schedule._index.active
    points.update(
        bounds[bisect.bisect_right(bounds, start_at) : bisect.bisect_left(bounds, end_at)]
    )
    cuts = sorted(points)
    cursors = [0] * len(top_first)
    window = bisect.bisect_right(bounds, start_at) - 1  # overrides: active[window] is in force
    pieces: list[list] = []  # [start_at, end_at, holder, override], merged as they come
    for low_at, high_at in zip(cuts, cuts[1:], strict=False):
        holder = None
        for number, segments in enumerate(top_first):
            cursor = cursors[number]
            while cursor < len(segments) and segments[cursor].end_at <= low_at:
                cursor += 1
            cursors[number] = cursor
            if cursor < len(segments) and segments[cursor].start_at <= low_at:
                holder = segments[cursor].holder
                break
        while window + 1 < len(bounds) and bounds[window + 1] <= low_at:
            window += 1
        override = None
        if 0 <= window < len(active) and active[window]:
            holder, override = overridden(active[window], role, holder)
        if pieces and pieces[-1][2] == holder and pieces[-1][3] == override:
            pieces[-1][1] = high_at
        else:
            pieces.append([low_at, high_at, holder, override])
    return [Shift(role, holder, s_at, e_at, o) for s_at, e_at, holder, o in pieces]


def gaps(schedule: Schedule, role: str, start_at: datetime, end_at: datetime) -> list[Shift]:
    """Stretches of [start_at, end_at) in which nobody holds `role`, within the schedule's coverage
    calendar when it has one (a business-hours-only schedule is not expected to cover nights)."""
    empty = [s for s in resolved_shifts(schedule, role, start_at, end_at) if s.holder is None]
    if schedule.coverage is None or not empty:
        return empty
    found = []
    for shift in empty:
        for opens_at, closes_at in open_intervals(schedule.coverage, shift.start_at, shift.end_at):
            found.append(Shift(role, None, opens_at, closes_at))
    return found


def handoffs(
    schedule: Schedule, start_at: datetime, end_at: datetime, role: str | None = None
) -> list[HandOff]:
    """Every change of holder with start_at < at <= end_at (half-open the other way from shifts,
    so that an engine asking about (last tick, now] sees each hand-off exactly once)."""
    start_at, end_at = ensure_utc(start_at), ensure_utc(end_at)
    if end_at <= start_at:
        return []
    roles = (_known_role(schedule, role),) if role is not None else schedule.roles
    found = []
    for number, name in enumerate(roles):
        shifts = resolved_shifts(schedule, name, start_at, end_at + _TICK)
        for before, after in zip(shifts, shifts[1:], strict=False):
            if before.holder != after.holder:
                found.append((after.start_at, number, before.holder, after.holder, name))
    found.sort(key=lambda item: (item[0], item[1]))
    return [HandOff(schedule.name, name, at, out, inc) for at, _, out, inc, name in found]


def next_handoff(
    schedule: Schedule,
    at: datetime,
    role: str | None = None,
    within: timedelta = timedelta(days=400),
) -> HandOff | None:
    """The first hand-off after `at` (of `role`, or of any role, the first-named role first on a
    tie); None when there is none within `within`."""
    at = ensure_utc(at)
    limit_at, low_at, step = at + within, at, timedelta(days=7)
    while low_at < limit_at:
        high_at = min(low_at + step, limit_at)
        found = handoffs(schedule, low_at, high_at, role)
        if found:
            return found[0]
        low_at, step = high_at, step * 2
    return None


def _holder_at(schedule: Schedule, role: str, at: datetime) -> tuple[str | None, Override | None]:
    holder = None
    for layer in reversed(schedule.layers):
        holder = layer_holder(layer, role, at)
        if holder is not None:
            break
    return overridden(active_overrides(schedule._index, at), role, holder)


def _known_role(schedule: Schedule, role: str) -> str:
    if role not in schedule.roles:
        known = ", ".join(schedule.roles)
        raise Invalid(
            f"schedule {schedule.name} has no role {role!r} (it has {known})", field="role"
        )
    return role
