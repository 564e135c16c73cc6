"""The tech lead's end-of-day digest of annoying errors (seed 003: "batch up all such errors, and
tell the relevant tech leads at the end of the day"). An engine step: from DIGEST_AT in a tech
lead's own time zone, the issues triaged annoying since their last digest go out as one notice
(an outbox row, e-mail or whatever their low-urgency rules say), once a day; each issue is in one
digest. Issues triaged after the day's digest wait for the next day's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.directory.models import Person, Service
from onwatch.errors.models import ErrorIssue
from onwatch.errors.triage import issue_path
from onwatch.incidents import notices
from onwatch.notifications.models import Notification
from onwatch.notifications.outbox import write

DIGEST_AT = time(17, 0)  # the end of a working day, in the tech lead's time zone
KIND = "notice"


def digest_day(local_now: datetime, at: time = DIGEST_AT) -> date | None:
    """The day whose digest is due at `local_now` (a tech lead's local time), or None before
    the day's digest time."""
    return local_now.date() if local_now.time() >= at else None


def digest_key(person_id: int, day: date) -> str:
    return f"error-digest:{person_id}:{day.isoformat()}"


@dataclass(frozen=True)
class AnnoyingDigest:
    base_url: str

    def __call__(self, session: Session, now: datetime) -> int:
        rows = session.execute(
            select(ErrorIssue, Service)
            .join(Service, Service.id == ErrorIssue.service_id)
            .where(ErrorIssue.impact == "annoying", ErrorIssue.digested_at.is_(None))
            .order_by(ErrorIssue.id)
        ).all()
        by_lead: dict[int, list[tuple[ErrorIssue, Service]]] = {}
        for issue, service in rows:
            lead = notices.tech_lead(session, service)
            if lead is not None:  # a service with no tech lead has nobody to tell
                by_lead.setdefault(lead.id, []).append((issue, service))
        written = 0
        for person_id, found in by_lead.items():
            person = session.get_one(Person, person_id)
            day = digest_day(now.astimezone(ZoneInfo(person.time_zone)))
            if day is None or self._sent(session, digest_key(person.id, day)):
                continue
            words = notices.Words(
                title=f"Annoying errors to look at: {len(found)}",
                text=self._text(person, found),
            )
            written += write(
                session,
                notices.to_person(
                    person, incident_id=None, kind=KIND, urgency="low",
                    key=digest_key(person.id, day), words=words, now=now,
                ),
                now,
            )  # fmt: skip
            for issue, _ in found:
                issue.digested_at = now
        return written

    def _sent(self, session: Session, key: str) -> bool:
        return (
            session.scalar(
                select(Notification.id).where(Notification.idempotency_key.startswith(key)).limit(1)
            )
            is not None
        )

    def _text(self, person: Person, found: list[tuple[ErrorIssue, Service]]) -> str:
        lines = [
            f"{person.name}, these errors of your apps were triaged annoying: they bother "
            "users but corrupt no data and stop no work. Fix them, or silence them if they are "
            "not worth fixing.",
            "",
        ]
        for issue, service in found:
            lines.append(
                f"- [{service.name}] {issue.title}: {issue.event_count} event(s), "
                f"{issue.user_count} user(s), last seen {issue.last_seen_at:%Y-%m-%d %H:%M} "
                f"UTC — {self.base_url.rstrip('/')}{issue_path(issue.id)}"
            )
        return "\n".join(lines)
