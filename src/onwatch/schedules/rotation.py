"""Rotations: whose turn it is at an instant, computed arithmetically from the start date, the
shift length and the hand-off wall-clock time, with members added or removed from an instant on."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from onwatch.calendars.instants import wall_instant
from onwatch.core.clock import ensure_utc
from onwatch.core.errors import FieldError, Invalid

_NEVER = datetime.max.replace(tzinfo=UTC)


class Segment(NamedTuple):
    start_at: datetime
    end_at: datetime
    holder: str


@dataclass(frozen=True)
class MemberChange:
    """From `effective_at` on, `handle` joins the end of the rotation order or leaves it."""

    effective_at: datetime
    handle: str
    action: Literal["add", "remove"]

    def __post_init__(self) -> None:
        object.__setattr__(self, "effective_at", ensure_utc(self.effective_at))
        if self.action not in ("add", "remove"):
            raise Invalid("must be add or remove", field="action")
        if not self.handle:
            raise Invalid("name the member", field="handle")


@dataclass(frozen=True)
class _Version:
    """The member list in force from `effective_at` on; shift `first_shift` goes to
    `members[offset]` and each later shift to the next member."""

    effective_at: datetime
    first_shift: int
    members: tuple[str, ...]
    offset: int


@dataclass(frozen=True)
class Rotation:
    """Members take turns in order, one shift each. Shift 0 starts on `start_date` at
    `handoff_time` in `time_zone`; shift n starts `n * shift_length` of wall-clock time later, so a
    09:00 hand-off stays at 09:00 local across daylight-saving changes (a shift that spans a change
    is an hour shorter or longer). A hand-off inside a skipped hour moves to the end of the gap,
    one at a repeated time is at its first occurrence (calendars.instants.wall_instant)."""

    members: tuple[str, ...]
    shift_length: timedelta
    start_date: date
    handoff_time: time
    time_zone: ZoneInfo
    member_changes: tuple[MemberChange, ...] = ()
    _versions: tuple[_Version, ...] = field(init=False, repr=False, compare=False)
    _version_starts: tuple[datetime, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", tuple(self.members))
        object.__setattr__(self, "member_changes", tuple(self.member_changes))
        errors = []
        if not self.members:
            errors.append(FieldError("members", "a rotation needs at least one member"))
        for handle in sorted({m for m in self.members if self.members.count(m) > 1}):
            errors.append(FieldError("members", f"{handle} is listed more than once"))
        if self.shift_length <= timedelta():
            errors.append(FieldError("shift_length", "must be longer than zero"))
        if self.handoff_time.tzinfo is not None:
            errors.append(FieldError("handoff_time", "a local time carries no time zone"))
        if errors:
            raise Invalid(errors)
        versions = _versions_of(self)
        object.__setattr__(self, "_versions", versions)
        object.__setattr__(self, "_version_starts", tuple(v.effective_at for v in versions))

    @property
    def start_at(self) -> datetime:
        return shift_start_at(self, 0)

    @property
    def people(self) -> frozenset[str]:
        """Everyone who is a member at some point."""
        return frozenset(self.members) | {c.handle for c in self.member_changes}


def shift_start_at(rotation: Rotation, index: int) -> datetime:
    local = datetime.combine(rotation.start_date, rotation.handoff_time)
    return wall_instant(local + index * rotation.shift_length, rotation.time_zone)


def shift_index(rotation: Rotation, at: datetime) -> int | None:
    """The number of the shift running at `at` (0 for the first); None before the rotation starts.
    Found by division on the local wall clock, then corrected for DST, so it costs the same in the
    fifth year as in the first."""
    located = _located(rotation, ensure_utc(at))
    return None if located is None else located[0]


def _located(rotation: Rotation, at: datetime) -> tuple[int, datetime] | None:
    """The shift running at UTC `at` and when the next one starts."""
    anchor = datetime.combine(rotation.start_date, rotation.handoff_time)
    local = at.astimezone(rotation.time_zone).replace(tzinfo=None)
    index = (local - anchor) // rotation.shift_length
    if index <= 0:
        if at < shift_start_at(rotation, 0):
            return None
        index = 0
    while index > 0 and shift_start_at(rotation, index) > at:
        index -= 1
    next_at = shift_start_at(rotation, index + 1)
    while next_at <= at:
        index += 1
        next_at = shift_start_at(rotation, index + 1)
    return index, next_at


def rotation_holder(rotation: Rotation, at: datetime, offset: int = 0) -> str | None:
    """Who holds the turn `offset` places after the current one at `at` (0: the current holder;
    1: the next one, which is how a secondary who becomes the next primary is expressed)."""
    index = shift_index(rotation, at)
    if index is None:
        return None
    version = rotation._versions[bisect.bisect_right(rotation._version_starts, at) - 1]
    return _turn(version, index, offset)


def rotation_segments(
    rotation: Rotation, start_at: datetime, end_at: datetime, offset: int = 0
) -> list[Segment]:
    """Who holds the turn `offset` places ahead over [start_at, end_at), as sorted segments that
    split at every hand-off and membership change; time without a holder is left out."""
    start_at, end_at = ensure_utc(start_at), ensure_utc(end_at)
    piece_at = max(start_at, rotation._versions[0].effective_at)
    if piece_at >= end_at:
        return []
    located = _located(rotation, piece_at)
    assert located is not None
    index, next_at = located
    starts, versions = rotation._version_starts, rotation._versions
    version_no = bisect.bisect_right(starts, piece_at) - 1
    change_at = starts[version_no + 1] if version_no + 1 < len(starts) else _NEVER
    anchor = datetime.combine(rotation.start_date, rotation.handoff_time)
    length, zone = rotation.shift_length, rotation.time_zone
    segments: list[Segment] = []
    while piece_at < end_at:
        piece_end_at = min(next_at, end_at, change_at)
        if piece_end_at > piece_at:
            holder = _turn(versions[version_no], index, offset)
            if holder is not None:
                segments.append(Segment(piece_at, piece_end_at, holder))
            piece_at = piece_end_at
        while change_at <= piece_at:
            version_no += 1
            change_at = starts[version_no + 1] if version_no + 1 < len(starts) else _NEVER
        while next_at <= piece_at:  # more than once only past a shift emptied by a DST gap
            index += 1
            next_at = wall_instant(anchor + (index + 1) * length, zone)
    return segments


def _turn(version: _Version, index: int, offset: int) -> str | None:
    if not version.members:
        return None
    position = version.offset + index - version.first_shift + offset
    return version.members[position % len(version.members)]


def _versions_of(rotation: Rotation) -> tuple[_Version, ...]:
    """Apply membership changes in time order. A change keeps the rotation going: the shift running
    at the change stays with its holder if they remain, else passes to the next remaining member
    in the old order, and the new order continues from there."""
    start_at = shift_start_at(rotation, 0)
    ordered = sorted(enumerate(rotation.member_changes), key=lambda item: item[1].effective_at)
    members = list(rotation.members)
    versions: list[_Version] = []
    errors: list[FieldError] = []
    for number, change in ordered:
        updated = _applied(members, change, f"member_changes[{number}]", errors)
        if change.effective_at > start_at:
            if not versions:
                versions.append(_Version(start_at, 0, tuple(members), 0))
            index = shift_index(rotation, change.effective_at)
            assert index is not None
            versions.append(_continued(versions[-1], index, change.effective_at, updated))
        members = updated
    if errors:
        raise Invalid(errors)
    if not versions:
        versions.append(_Version(start_at, 0, tuple(members), 0))
    return tuple(versions)


def _applied(
    members: list[str], change: MemberChange, where: str, errors: list[FieldError]
) -> list[str]:
    if change.action == "add":
        if change.handle in members:
            errors.append(FieldError(f"{where}.handle", f"{change.handle} is already a member"))
            return members
        return [*members, change.handle]
    if change.handle not in members:
        errors.append(FieldError(f"{where}.handle", f"{change.handle} is not a member then"))
        return members
    return [m for m in members if m != change.handle]


def _continued(
    previous: _Version, index: int, effective_at: datetime, members: list[str]
) -> _Version:
    old = previous.members
    offset = 0
    if old and members:
        position = (previous.offset + index - previous.first_shift) % len(old)
        for step in range(len(old)):
            candidate = old[(position + step) % len(old)]
            if candidate in members:
                offset = members.index(candidate)
                break
    return _Version(effective_at, index, tuple(members), offset)
