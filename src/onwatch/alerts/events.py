"""The normalized alert event every integration produces, the change event, and how severities
compare. Integrations parse wire formats into these; alerts.ingest stores and groups them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

Action = Literal["trigger", "acknowledge", "resolve"]
Severity = Literal["critical", "error", "warning", "info"]

ACTIONS: tuple[Action, ...] = get_args(Action)
# Lowest first, so a severity's index is its rank.
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error", "critical")
# The order PagerDuty documents them in, used in messages.
SEVERITIES_HIGHEST_FIRST: tuple[Severity, ...] = tuple(reversed(SEVERITIES))
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024

# Words monitors use for severity (Alertmanager and Grafana labels are free text, Datadog has
# priorities); anything not listed is unknown and the caller chooses the fallback.
_SEVERITY_WORDS: dict[str, Severity] = {
    word: severity
    for severity, words in (
        ("critical", "critical crit fatal emergency page p1 sev1"),
        ("error", "error err high major p2 sev2"),
        ("warning", "warning warn minor medium p3 sev3"),
        ("info", "info informational notice low none debug ok p4 p5 sev4 sev5"),
    )
    for word in words.split()
}


@dataclass(frozen=True)
class Link:
    href: str
    text: str = ""


@dataclass(frozen=True)
class Image:
    src: str
    href: str = ""
    alt: str = ""


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made
# building an event cost 4 times as much, on the path every alert takes. Nothing changes one.
@dataclass(slots=True)
class AlertEvent:
    """One thing a monitor said about one alert, identified by `dedup_key` within a service.

    `severity` is None only for acknowledge/resolve events that did not carry one (the stored
    alert keeps its own). `occurred_at` is when the monitor says it happened, or the time the
    event was received when it did not say. `raw` is the part of the body this event came from.
    """

    action: Action
    dedup_key: str
    summary: str = ""
    severity: Severity | None = None
    source: str = ""
    occurred_at: datetime | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    images: tuple[Image, ...] = ()
    component: str = ""
    group: str = ""
    class_: str = ""
    generator_url: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeEvent:
    """A change on a service that is not a problem (a deploy, a config change): context for
    whoever responds to the next incident. PagerDuty's `/v2/change/enqueue` produces these."""

    summary: str
    occurred_at: datetime
    source: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


def severity_rank(severity: Severity) -> int:
    """0 for info up to 3 for critical."""
    return SEVERITIES.index(severity)


def is_at_least(severity: Severity, threshold: Severity) -> bool:
    return severity_rank(severity) >= severity_rank(threshold)


def highest_severity(severities: Iterable[Severity | None]) -> Severity | None:
    """The most severe of `severities`, ignoring None; None when there is none."""
    known = [s for s in severities if s is not None]
    return max(known, key=severity_rank) if known else None


def severity_from_word(word: str) -> Severity | None:
    """Our severity for a monitor's word for it (`crit`, `P2`, `Warning` …); None if unknown."""
    return _SEVERITY_WORDS.get(word.strip().lower())


def cut_summary(text: str) -> str:
    """`text` on one line of at most MAX_SUMMARY characters.

    For senders that cannot be fixed (Alertmanager, Grafana, Datadog fill the summary from
    templates), a long summary is shortened rather than the whole event refused.
    """
    line = " ".join(text.split())
    return line if len(line) <= MAX_SUMMARY else line[: MAX_SUMMARY - 1] + "…"
