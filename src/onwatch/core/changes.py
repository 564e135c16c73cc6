"""A change to one configured object, as `apply`, the audit log and the API report it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from onwatch.core.errors import Invalid

Action = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Change:
    action: Action
    kind: str
    key: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def __str__(self) -> str:
        sign = {"create": "+", "update": "~", "delete": "-"}[self.action]
        text = f"{sign} {self.kind} {self.key}"
        if self.fields:
            text += "".join(
                f"\n    {name}: {old!r} -> {new!r}" for name, (old, new) in self.fields.items()
            )
        return text


def diff(
    kind: str, key: str, before: dict[str, Any] | None, after: dict[str, Any]
) -> Change | None:
    """The change from `before` (None if new) to `after`, or None when they are equal."""
    if before is None:
        return Change("create", kind, key, None, after)
    fields = {
        name: (before.get(name), value)
        for name, value in after.items()
        if before.get(name) != value
    }
    if not fields:
        return None
    return Change("update", kind, key, before, after, fields)


def deleted(kind: str, key: str, before: dict[str, Any]) -> Change:
    return Change("delete", kind, key, before, None)


# What putting one item of many came to: its change, why it cannot be (nothing of it written),
# or None when it is stored as given.
Outcome = Change | Invalid | None
