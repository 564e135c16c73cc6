"""Layers: a rotation that fills one or more roles, optionally only while a calendar is open (only
weekdays, only business hours). Several layers stack; the highest one with someone wins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onwatch.calendars.hours import Calendar, is_open, open_intervals
from onwatch.core.errors import FieldError, Invalid
from onwatch.schedules.rotation import Rotation, Segment, rotation_holder, rotation_segments


@dataclass(frozen=True)
class Layer:
    """`roles[i]` is held by the member `i` turns ahead of the current one: with
    ("primary", "secondary") the secondary of a shift is the primary of the next. Independent
    roles are separate layers, each with its own rotation."""

    rotation: Rotation
    roles: tuple[str, ...] = ("primary",)
    restriction: Calendar | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", tuple(self.roles))
        errors = []
        if not self.roles or not all(self.roles):
            errors.append(FieldError("roles", "name at least one role"))
        for role in sorted({r for r in self.roles if self.roles.count(r) > 1}):
            errors.append(FieldError("roles", f"{role} is listed more than once"))
        if errors:
            raise Invalid(errors)


def layer_holder(layer: Layer, role: str, at: datetime) -> str | None:
    """Who the layer puts in `role` at `at`; None outside its restriction or without that role."""
    if role not in layer.roles:
        return None
    if layer.restriction is not None and not is_open(layer.restriction, at):
        return None
    return rotation_holder(layer.rotation, at, layer.roles.index(role))


def layer_segments(layer: Layer, role: str, start_at: datetime, end_at: datetime) -> list[Segment]:
    """Who the layer puts in `role` over [start_at, end_at), as sorted non-overlapping segments;
    time without anyone (outside the restriction, before the start) is left out."""
    if role not in layer.roles:
        return []
    offset = layer.roles.index(role)
    if layer.restriction is None:
        return rotation_segments(layer.rotation, start_at, end_at, offset)
    # Only the open stretches are walked: a weekend-only layer of 12-hour shifts costs its
    # weekends, not every shift of the year.
    segments: list[Segment] = []
    for opens_at, closes_at in open_intervals(layer.restriction, start_at, end_at):
        segments += rotation_segments(layer.rotation, opens_at, closes_at, offset)
    return segments
