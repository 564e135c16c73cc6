"""An incident's numbers (pure): time to acknowledge, to mitigate and to resolve, read from its
timeline, so a reopened incident keeps its first response and counts its last resolution."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# Timeline kinds that count as the first response: mitigating takes the incident in hand too.
RESPONSES = ("acknowledged", "mitigated")


@dataclass(frozen=True)
class Numbers:
    """Each from the incident's opening; None while it has not happened."""

    time_to_acknowledge: timedelta | None
    time_to_mitigate: timedelta | None
    time_to_resolve: timedelta | None


def numbers(opened_at: datetime, timeline: Iterable[tuple[str, datetime]]) -> Numbers:
    """From the incident's opening and its timeline as (kind, at) in order:
    - time to acknowledge: to the first acknowledgement or mitigation;
    - time to mitigate: to the first mitigation, or the first resolution when it was resolved
      without being marked mitigated (resolving ends the impact too);
    - time to resolve: to the last resolution, unless it was reopened after it.
    An instant before the opening counts as the opening (never a negative number)."""
    acknowledged = mitigated = resolved = None
    for kind, at in timeline:
        if kind in RESPONSES and acknowledged is None:
            acknowledged = at
        if kind == "mitigated" and mitigated is None:
            mitigated = at
        if kind == "resolved":
            mitigated = at if mitigated is None else mitigated
            resolved = at
        elif kind == "reopened":
            resolved = None

    def since(at: datetime | None) -> timedelta | None:
        return None if at is None else max(at - opened_at, timedelta(0))

    return Numbers(since(acknowledged), since(mitigated), since(resolved))


def spoken(span: timedelta | None) -> str:
    """A duration as people read it: "4 min 10 s", "2 h 5 min", "3 d 2 h"; "—" for none."""
    if span is None:
        return "—"
    seconds = int(span.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"
