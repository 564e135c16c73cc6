"""What the post-mortem rules add to an incident on their own: a timeline entry per reason (and
one saying who was told), an audit entry each time the reasons grow. Tests about something else
(an acknowledgement, a ticket, a merge) leave them out with `unruled`; the rules have tests of
their own (tests/unit/incidents/test_postmortem_rules.py, tests/scenarios/
test_mobile_postmortem_rules.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")

RULE_KINDS = frozenset({"postmortem_required", "postmortem_notice"})
RULE_ACTIONS = frozenset({"incident.postmortem_required"})


def _named(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return str(item["kind"])
    return str(item[0])


def unruled(items: Iterable[T]) -> list[T]:
    """`items` (timeline kinds, (kind, …) rows, API timeline entries or audit actions) without
    those the post-mortem rules wrote."""
    return [i for i in items if _named(i) not in RULE_KINDS | RULE_ACTIONS]
