"""Overrides: someone covers a person or a role from one instant to another. Overrides apply in
the order they were created, so a later one wins and can cover the cover (an override of an
override). Indexed once so finding those active at an instant is a binary search."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from onwatch.core.clock import ensure_utc
from onwatch.core.errors import FieldError, Invalid


@dataclass(frozen=True)
class Override:
    """`covering` takes over from `start_at` to `end_at`: wherever `covered` would be on call
    (only in `role` when one is given), or in `role` whoever holds it (also filling a gap) when no
    person is named. `created_at` orders overrides of overrides; without it, list order does."""

    covering: str
    start_at: datetime
    end_at: datetime
    covered: str | None = None
    role: str | None = None
    reason: str = ""
    created_at: datetime | None = None
    id: str = ""

    def __post_init__(self) -> None:
        errors = []
        for name in ("start_at", "end_at", "created_at"):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                object.__setattr__(self, name, ensure_utc(value))
            except ValueError:
                errors.append(FieldError(name, "needs a time zone"))
        if not errors and self.end_at <= self.start_at:
            errors.append(FieldError("end_at", "the override must end after it starts"))
        if not self.covering:
            errors.append(FieldError("covering", "name who covers"))
        if self.covered is None and self.role is None:
            errors.append(FieldError("covered", "name the person covered, the role, or both"))
        if self.covered is not None and self.covered == self.covering:
            errors.append(FieldError("covering", "someone cannot cover themselves"))
        if errors:
            raise Invalid(errors)


@dataclass(frozen=True)
class OverrideIndex:
    """`active[i]` holds the overrides in force over [bounds[i], bounds[i + 1]), oldest first."""

    bounds: tuple[datetime, ...]
    active: tuple[tuple[Override, ...], ...]


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def index_overrides(overrides: Iterable[Override]) -> OverrideIndex:
    ordered = [
        o
        for _, o in sorted(
            enumerate(overrides), key=lambda item: (item[1].created_at or _EARLIEST, item[0])
        )
    ]
    bounds = sorted({o.start_at for o in ordered} | {o.end_at for o in ordered})
    active = tuple(
        tuple(o for o in ordered if o.start_at <= low_at < o.end_at) for low_at in bounds[:-1]
    )
    return OverrideIndex(tuple(bounds), active)


def active_overrides(index: OverrideIndex, at: datetime) -> tuple[Override, ...]:
    """The overrides in force at `at`, oldest first."""
    position = bisect.bisect_right(index.bounds, at) - 1
    if position < 0 or position >= len(index.active):
        return ()
    return index.active[position]


def overridden(
    active: tuple[Override, ...], role: str, holder: str | None
) -> tuple[str | None, Override | None]:
    """Who holds `role` once `active` overrides apply to `holder`, and the override that decided
    it (None when the schedule's own holder stands)."""
    deciding = None
    for override in active:
        if override.role is not None and override.role != role:
            continue
        if override.covered is None or override.covered == holder:
            holder, deciding = override.covering, override
    return holder, deciding
