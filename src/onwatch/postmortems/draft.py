"""The Markdown draft of a post-mortem, written from what the incident recorded (pure): summary,
impact, detection with time to acknowledge, timeline, resolution with time to resolve, root
cause, contributing factors and the action items so far."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

TO_FILL = "_To be written._"
# A storm brings hundreds of alerts into one incident: the timeline shows the first few that
# joined and counts the rest in one row.
SHOWN_ALERTS = 5


@dataclass(frozen=True)
class Impact:
    users_count: int | None = None
    users_share: float | None = None
    qa_severity: str | None = None
    remediation_effort: str | None = None
    next_release_at: datetime | None = None
    applications: Sequence[str] = ()
    business_impact: str | None = None


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    actor: str
    source: str
    text: str


@dataclass(frozen=True)
class Item:
    title: str
    owner: str | None
    due_on: date | None
    status: str
    kind: str
    ticket_url: str | None = None


@dataclass(frozen=True)
class Facts:
    """What the draft is written from."""

    incident_id: int
    title: str
    service: str
    severity: str
    status: str
    opened_at: datetime
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    summary: str | None = None
    commander: str | None = None
    impact: Impact | None = None
    timeline: Sequence[Entry] = ()
    items: Sequence[Item] = field(default_factory=tuple)


def utc_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def span_text(span: timedelta) -> str:
    """`1 h 5 min`, `12 min 30 s`, `45 s`: a duration as people read it."""
    seconds = max(0, int(span.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else ""]
    parts += [f"{minutes} min" if minutes else "", f"{secs} s" if secs and not days else ""]
    return " ".join(p for p in parts if p) or "0 s"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _impact(impact: Impact | None) -> list[str]:
    if impact is None:
        return [TO_FILL]
    users = []
    if impact.users_count is not None:
        users.append(f"{impact.users_count:,} users")
    if impact.users_share is not None:
        users.append(f"{impact.users_share:g}% of users")
    rows = [
        ("Users impacted", " (".join(users) + (")" if len(users) == 2 else "")),
        ("Applications impacted", ", ".join(impact.applications)),
        ("Business impact", impact.business_impact or ""),
        ("QA severity", impact.qa_severity or ""),
        ("Effort to remediate", impact.remediation_effort or ""),
        (
            "Next natural release",
            utc_text(impact.next_release_at) if impact.next_release_at else "",
        ),
    ]
    filled = [(label, value) for label, value in rows if value]
    if not filled:
        return [TO_FILL]
    return [f"- **{label}:** {_cell(value)}" for label, value in filled]


def _since(start: datetime, end: datetime | None, what: str) -> str:
    if end is None:
        return f"- **Time to {what}:** not yet"
    return f"- **Time to {what}:** {span_text(end - start)}"


def _item_line(item: Item) -> str:
    owner = item.owner or "no owner"
    due = f"due {item.due_on.isoformat()}" if item.due_on else "no due date"
    mark = "x" if item.status == "done" else " "
    ticket = f" ([ticket]({item.ticket_url}))" if item.ticket_url else ""
    status = "" if item.status in ("open", "done") else f", {item.status.replace('_', ' ')}"
    return f"- [{mark}] {_cell(item.title)} ({item.kind}; {owner}; {due}{status}){ticket}"


def _timeline_rows(entries: Sequence[Entry]) -> list[str]:
    ordered = sorted(entries, key=lambda e: e.at)
    alerts = [e for e in ordered if e.kind == "alert"]
    folded = alerts[SHOWN_ALERTS:]
    hidden = {id(e) for e in folded}
    rows = []
    for e in ordered:
        if folded and e is folded[0]:
            rows.append(
                f"| {utc_text(e.at)} | {e.source} | {_cell(e.actor)} | {len(folded)} more "
                f"alerts joined, the last at {utc_text(folded[-1].at)} |"
            )
        if id(e) not in hidden:
            rows.append(f"| {utc_text(e.at)} | {e.source} | {_cell(e.actor)} | {_cell(e.text)} |")
    return rows


def draft(facts: Facts) -> str:
    """The draft as Markdown; the same facts give the same text."""
    lines = [
        f"# Post-mortem: {_cell(facts.title)}",
        "",
        f"Incident {facts.incident_id} on **{facts.service}**, severity {facts.severity}, "
        f"{facts.status}.",
        f"Commander: {facts.commander}." if facts.commander else "No commander was assigned.",
        "",
        "## Summary",
        "",
        facts.summary.strip() if facts.summary and facts.summary.strip() else TO_FILL,
        "",
        "## Impact",
        "",
        *_impact(facts.impact),
        "",
        "## Detection",
        "",
        f"- **Opened:** {utc_text(facts.opened_at)}",
    ]
    if facts.acknowledged_at is not None:
        lines.append(f"- **Acknowledged:** {utc_text(facts.acknowledged_at)}")
    lines += [
        _since(facts.opened_at, facts.acknowledged_at, "acknowledge"),
        "",
        "How was it noticed? " + TO_FILL,
        "",
        "## Timeline",
        "",
        "All times in UTC.",
        "",
        "| Time | Source | By | What |",
        "|---|---|---|---|",
    ]
    lines += _timeline_rows(facts.timeline)
    lines += ["", "## Resolution", ""]
    if facts.mitigated_at is not None:
        lines.append(f"- **Mitigated:** {utc_text(facts.mitigated_at)}")
        lines.append(_since(facts.opened_at, facts.mitigated_at, "mitigate"))
    if facts.resolved_at is not None:
        lines.append(f"- **Resolved:** {utc_text(facts.resolved_at)}")
    lines += [
        _since(facts.opened_at, facts.resolved_at, "resolve"),
        "",
        "What fixed it? " + TO_FILL,
        "",
        "## Root cause",
        "",
        TO_FILL,
        "",
        "## Contributing factors",
        "",
        TO_FILL,
        "",
        "## Action items",
        "",
    ]
    lines += [_item_line(i) for i in facts.items] or ["None yet."]
    return "\n".join(lines) + "\n"
