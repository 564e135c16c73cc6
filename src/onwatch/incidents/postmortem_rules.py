"""When an incident requires a post-mortem, and why (seeds 001, 002, 003): a runbook was used, too
large a share of users was affected, it lasted too long, security or data was involved, another
team had to act, an out-of-band release was needed, or its severity is critical. Pure: each
reason is one stable sentence, so a reason once noted is recognised when it holds again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from onwatch.core.durations import duration_text


@dataclass(frozen=True)
class Rules:
    """A team's thresholds (config `postmortem_rules:`); None or False turns a rule off. The
    defaults are those of a team with no item."""

    users_share_above: float | None = 5.0  # percent of all users
    longer_than: timedelta | None = timedelta(hours=4)
    severities: tuple[str, ...] = ("sev1",)
    runbook_used: bool = True
    security_or_data: bool = True
    other_team_acted: bool = True
    out_of_band_release: bool = True


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Facts:
    """What the rules look at, as the incident and its impact hold them."""

    severity: str
    opened_at: datetime
    resolved_at: datetime | None = None
    security: bool = False
    users_share: float | None = None
    runbook_used: bool = False
    other_team_acted: bool = False
    out_of_band_release: bool = False
    triage: str | None = None
    severity_names: dict[str, str] = field(default_factory=dict)


def lasted(facts: Facts, now: datetime) -> timedelta:
    """How long the incident lasted: until it was resolved, else until now."""
    return (facts.resolved_at or now) - facts.opened_at


def required(facts: Facts, rules: Rules, now: datetime) -> list[str]:
    """The reasons a post-mortem is required, in the rules' order; empty when none holds."""
    reasons: list[str] = []
    if rules.runbook_used and facts.runbook_used:
        reasons.append("a runbook was used")
    share = rules.users_share_above
    if share is not None and facts.users_share is not None and facts.users_share > share:
        reasons.append(f"more than {share:g}% of users were affected")
    if rules.longer_than is not None and lasted(facts, now) > rules.longer_than:
        reasons.append(f"it lasted longer than {duration_text(rules.longer_than)}")
    if rules.security_or_data and facts.security:
        reasons.append("it involved security or personal data")
    if rules.security_or_data and facts.triage == "data_corrupting":
        reasons.append("it may have corrupted data")
    if rules.other_team_acted and facts.other_team_acted:
        reasons.append("another team had to act")
    if rules.out_of_band_release and facts.out_of_band_release:
        reasons.append("an out-of-band release was needed")
    if facts.severity in rules.severities:
        name = facts.severity_names.get(facts.severity)
        reasons.append(f"its severity is {facts.severity}" + (f" ({name})" if name else ""))
    return reasons


def grown(noted: list[str], reasons: list[str]) -> list[str]:
    """The reasons not noted yet: a requirement once noted is never dropped, only added to."""
    return [r for r in reasons if r not in noted]


def duration_due(facts: Facts, rules: Rules) -> datetime | None:
    """When the duration rule starts to hold for an open incident; None when it cannot."""
    if rules.longer_than is None or facts.resolved_at is not None:
        return None
    # "longer than": it holds once the threshold is passed, not when it is reached.
    return facts.opened_at + rules.longer_than + timedelta(microseconds=1)
